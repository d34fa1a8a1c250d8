import { AppError } from "@/db/errors";
import { isUuid } from "@/db/ids";
import { naiveCheckout } from "@/bench/naive";
import { readJsonObject, route } from "@/app/_lib/http";
import { requireShopper } from "@/app/_lib/session";

// Benchmark-only (built with BENCH_ROUTES=1, never in the app): the naive checkout, behind the same
// body and session checks as the real Buy, so the two differ only in what happens after them.
export const POST = route(async (req: Request, ctx: { params: Promise<{ id: string }> }) => {
  await readJsonObject(req, { allowEmpty: true });
  const userId = requireShopper(req);
  const { id } = await ctx.params;
  if (!isUuid(id)) throw new AppError("sale_not_found", "There is no sale with this id.");
  const result = await naiveCheckout({ saleId: id, userId });
  if (result.outcome === "sale_not_found") throw new AppError("sale_not_found", "There is no sale with this id.");
  if (result.outcome === "sold_out") throw new AppError("sold_out", "Every unit of this sale has been sold.");
  return Response.json({ orderId: result.orderId ?? null }, { status: result.outcome === "created" ? 201 : 200 });
});
