import { z } from "zod";
import { createAdminSale, listAdminSales } from "@/db/admin-sales";
import { AppError } from "@/db/errors";
import { adminRoute } from "@/app/_lib/admin-session";
import { otherMethods, readJsonObject, readQuery } from "@/app/_lib/http";
import { createSaleSchema, invalidFields } from "./schema";
import { plainIssue } from "@/db/plain-issues";

export const dynamic = "force-dynamic";

const listQuery = z.object({ before: z.uuid("must be a sale id").transform((id) => id.toLowerCase()).optional() }).strict();

/** A page of sales, newest start first; `?before=<sale id>` the page after that sale. */
export const GET = adminRoute(async (req: Request) => {
  const page = await listAdminSales(readQuery(req, listQuery));
  if (!page) throw new AppError("invalid_request", "before: must be the id of a sale (there is no sale with this id)");
  return Response.json(page, { headers: { "cache-control": "no-store" } });
});

/** Create a sale; every field problem is answered at once, each against its field. */
export const POST = adminRoute(async (req: Request) => {
  const parsed = createSaleSchema.safeParse(await readJsonObject(req), { error: plainIssue });
  if (!parsed.success) throw invalidFields(parsed.error.issues);
  const sale = await createAdminSale(parsed.data);
  return Response.json({ sale }, { status: 201, headers: { location: `/api/admin/sales/${sale.id}`, "cache-control": "no-store" } });
});

export const { DELETE, OPTIONS, PATCH, PUT } = otherMethods(["GET", "POST"], adminRoute);
