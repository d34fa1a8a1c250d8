import * as session from "@/app/api/session/route";
import * as orders from "@/app/api/sales/[id]/orders/route";
import { call, cookieFrom } from "./http";

/** Signs in `count` distinct shoppers through the real session route; returns their cookies. */
export async function signInShoppers(count: number, tag: string): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await call(session.POST, "/api/session", { method: "POST", body: { email: `${tag}-${i}@example.com` } });
    if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
    cookies.push(cookieFrom(res.res));
  }
  return cookies;
}

/** One Buy click through the real order route. */
export function buy(saleId: string, cookie: string, headers: Record<string, string> = {}) {
  return call(orders.POST, `/api/sales/${saleId}/orders`, { method: "POST", params: { id: saleId }, cookie, headers });
}
