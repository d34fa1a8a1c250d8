import { AppError } from "@/db/errors";
import { getSale, toSale } from "@/db/sales";
import { otherMethods, route } from "@/app/_lib/http";

export const GET = route(async (_req: Request, ctx: RouteContext<"/api/sales/[id]">) => {
  const { id } = await ctx.params;
  const row = await getSale({ id });
  if (!row) throw new AppError("sale_not_found", "There is no sale with this id.");
  return Response.json({ sale: toSale(row) }, { headers: { "cache-control": "no-store" } });
});

export const { DELETE, PATCH, POST, PUT } = otherMethods(["GET"]);
