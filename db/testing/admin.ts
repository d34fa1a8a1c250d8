import { adminPassword } from "@/app/_lib/admin-session";
import * as adminSession from "@/app/api/admin/session/route";
import { call, cookieFrom } from "./http";

/** Signs in as the admin through the real route and returns the Cookie header to send. */
export async function signInAdmin(): Promise<string> {
  const res = await call(adminSession.POST, "/api/admin/session", { method: "POST", body: { password: adminPassword() } });
  if (res.status !== 200) throw new Error(`admin sign-in failed: ${res.status} ${JSON.stringify(res.json)}`);
  return cookieFrom(res.res);
}
