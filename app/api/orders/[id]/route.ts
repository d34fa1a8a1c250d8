import { AppError } from "@/db/errors";
import { getOrderForUser } from "@/db/orders";
import { otherMethods, route } from "@/app/_lib/http";
import { requireShopper } from "@/app/_lib/session";

export const GET = route(async (req: Request, ctx: RouteContext<"/api/orders/[id]">) => {
  const userId = requireShopper(req);
  const { id } = await ctx.params;
  const order = await getOrderForUser({ orderId: id, userId });
  if (!order) throw new AppError("order_not_found", "There is no order with this id.");
  return Response.json({ order }, { headers: { "cache-control": "no-store" } });
});

export const { DELETE, OPTIONS, PATCH, POST, PUT } = otherMethods(["GET"]);
