import { listOrdersForUser } from "@/db/orders";
import { otherMethods, route } from "@/app/_lib/http";
import { requireShopper } from "@/app/_lib/session";

/** The signed-in shopper's orders, newest first; `?saleId=` narrows it to one sale. */
export const GET = route(async (req: Request) => {
  const userId = requireShopper(req);
  const saleId = new URL(req.url).searchParams.get("saleId") ?? undefined;
  const orders = await listOrdersForUser({ userId, saleId });
  return Response.json({ orders }, { headers: { "cache-control": "no-store" } });
});

export const { DELETE, PATCH, POST, PUT } = otherMethods(["GET"]);
