import { z } from "zod";
import { listSaleOrders, parseOrderSearch } from "@/db/admin-order-list";
import { AppError } from "@/db/errors";
import { getSale } from "@/db/sales";
import { orderStatus } from "@/db/schema";
import { adminRoute } from "@/app/_lib/admin-session";
import { hasNoNul } from "@/app/api/admin/sales/schema";
import { otherMethods, readQuery } from "@/app/_lib/http";

const cursor = z.coerce.number().int().positive();
const querySchema = z
  .object({
    status: z.enum(orderStatus.enumValues).optional(),
    q: z.string().max(254).refine(hasNoNul, "must not contain a NUL character").optional(),
    before: cursor.optional(),
    after: cursor.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
  })
  .strict()
  .refine((query) => query.before === undefined || query.after === undefined, { message: "give before or after, not both" });

/** A page of the sale's orders, newest first: ?status= filters, ?q= searches by order id or email. */
export const GET = adminRoute(async (req: Request, ctx: RouteContext<"/api/admin/sales/[id]/orders">) => {
  const query = readQuery(req, querySchema);
  const { id } = await ctx.params;
  if (!(await getSale({ id }))) throw new AppError("sale_not_found", "There is no sale with this id.");
  const { q, ...page } = query;
  const result = await listSaleOrders({ saleId: id, ...page, search: q === undefined ? undefined : parseOrderSearch(q) });
  return Response.json(result, { headers: { "cache-control": "no-store" } });
});

export const { DELETE, OPTIONS, PATCH, POST, PUT } = otherMethods(["GET"], adminRoute);
