import { toAdminSale, updateSale } from "@/db/admin-sales";
import { AppError } from "@/db/errors";
import { getSale } from "@/db/sales";
import { adminRoute } from "@/app/_lib/admin-session";
import { otherMethods, readJsonObject } from "@/app/_lib/http";
import { invalidFields, updateSaleSchema } from "../schema";
import { plainIssue } from "@/db/plain-issues";

export const GET = adminRoute(async (_req: Request, ctx: RouteContext<"/api/admin/sales/[id]">) => {
  const { id } = await ctx.params;
  const row = await getSale({ id });
  if (!row) throw new AppError("sale_not_found", "There is no sale with this id.");
  return Response.json({ sale: toAdminSale(row) }, { headers: { "cache-control": "no-store" } });
});

/** Edit name, description, times or stock (stock only upward once the sale has started). */
export const PATCH = adminRoute(async (req: Request, ctx: RouteContext<"/api/admin/sales/[id]">) => {
  const parsed = updateSaleSchema.safeParse(await readJsonObject(req), { error: plainIssue });
  if (!parsed.success) throw invalidFields(parsed.error.issues);
  const { id } = await ctx.params;
  const sale = await updateSale({ id, changes: parsed.data });
  return Response.json({ sale }, { headers: { "cache-control": "no-store" } });
});

export const { DELETE, OPTIONS, POST, PUT } = otherMethods(["GET", "PATCH"], adminRoute);
