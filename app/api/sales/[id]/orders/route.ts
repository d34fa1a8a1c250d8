import { AppError } from "@/db/errors";
import { placeOrder } from "@/db/orders";
import { readJsonObject, route } from "@/app/_lib/http";
import { requireShopper } from "@/app/_lib/session";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * Buy. Cheapest checks first (body, JSON, session), then the sale checks and the one admission
 * transaction in placeOrder. Answers at once: allocation happens later, in a worker.
 */
export const POST = route(async (req: Request, ctx: RouteContext<"/api/sales/[id]/orders">) => {
  await readJsonObject(req, { allowEmpty: true });
  const idempotencyKey = req.headers.get("idempotency-key");
  if (idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw new AppError("invalid_request", "Idempotency-Key must be 1 to 200 printable ASCII characters.");
  }
  const userId = requireShopper(req);
  const { id: saleId } = await ctx.params;

  const { order, isNew } = await placeOrder({ saleId, userId, idempotencyKey });
  const statusUrl = `/api/orders/${order.id}`;
  const headers: Record<string, string> = { "cache-control": "no-store" };
  if (isNew) headers.location = statusUrl;
  return Response.json({ order, statusUrl }, { status: isNew ? 202 : 200, headers });
});
