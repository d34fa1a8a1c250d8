import { getSaleStats } from "@/db/admin-stats";
import { AppError } from "@/db/errors";
import { adminRoute } from "@/app/_lib/admin-session";
import { otherMethods } from "@/app/_lib/http";

/** The live view's numbers: counts by status, remaining, queue depth, rates per second, sell-out time. */
export const GET = adminRoute(async (_req: Request, ctx: RouteContext<"/api/admin/sales/[id]/stats">) => {
  const { id } = await ctx.params;
  const stats = await getSaleStats({ saleId: id });
  if (!stats) throw new AppError("sale_not_found", "There is no sale with this id.");
  return Response.json(stats, { headers: { "cache-control": "no-store" } });
});

export const { DELETE, OPTIONS, PATCH, POST, PUT } = otherMethods(["GET"], adminRoute);
