import { z } from "zod";
import { listOrdersForUser } from "@/db/orders";
import { salesByIds } from "@/db/sales";
import { otherMethods, readQuery, route } from "@/app/_lib/http";
import { requireShopper } from "@/app/_lib/session";

const querySchema = z.object({ saleId: z.uuid("must be a sale id").optional() }).strict();

/** The signed-in shopper's orders, newest first, and their sales (the shop's list shows only recent
 * ones); `?saleId=` narrows it to one sale. */
export const GET = route(async (req: Request) => {
  const userId = requireShopper(req);
  const query = readQuery(req, querySchema);
  const orders = await listOrdersForUser({ userId, saleId: query.saleId });
  const sales = await salesByIds(orders.map((o) => o.saleId));
  return Response.json({ orders, sales }, { headers: { "cache-control": "no-store" } });
});

export const { DELETE, OPTIONS, PATCH, POST, PUT } = otherMethods(["GET"]);
