import { endSaleNow } from "@/db/admin-sales";
import { adminRoute } from "@/app/_lib/admin-session";
import { otherMethods, readJsonObject } from "@/app/_lib/http";

/** End the sale now: new Buys get 409 sale_ended (within the one-second sale cache). */
export const POST = adminRoute(async (req: Request, ctx: RouteContext<"/api/admin/sales/[id]/end">) => {
  await readJsonObject(req, { allowEmpty: true });
  const { id } = await ctx.params;
  return Response.json({ sale: await endSaleNow({ id }) }, { headers: { "cache-control": "no-store" } });
});

export const { DELETE, GET, OPTIONS, PATCH, PUT } = otherMethods(["POST"], adminRoute);
