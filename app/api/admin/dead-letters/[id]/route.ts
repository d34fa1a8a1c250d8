import { discardDeadLetter } from "@/db/dead-letters";
import { log } from "@/db/log";
import { adminRoute } from "@/app/_lib/admin-session";
import { otherMethods } from "@/app/_lib/http";

/** Discard a dead letter for good. */
export const DELETE = adminRoute(async (_req: Request, ctx: RouteContext<"/api/admin/dead-letters/[id]">) => {
  const { id } = await ctx.params;
  const { failedOrderId } = await discardDeadLetter({ id });
  if (failedOrderId) log.info({ deadLetterId: id, orderId: failedOrderId }, "order failed: its allocation's dead letter was discarded");
  return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
});

export const { GET, OPTIONS, PATCH, POST, PUT } = otherMethods(["DELETE"], adminRoute);
