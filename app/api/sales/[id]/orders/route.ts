import { AppError } from "@/db/errors";
import { recordRejection, webMetrics } from "@/db/metrics";
import { placeOrder } from "@/db/orders";
import { otherMethods, readJsonObject, route } from "@/app/_lib/http";
import { limitOrderAttempt } from "@/app/_lib/rate-limit";
import { requireShopper } from "@/app/_lib/session";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * Buy. Cheapest checks first (body, JSON, session), then placeOrder: the sale checks, the rate
 * limits, the admission gate, the backlog bound and the one admission transaction. Answers at once:
 * allocation happens later, in a worker. Every answer is counted and timed for /api/metrics; every
 * order admitted is counted too, even one whose Buy had been answered 503 at its deadline.
 */
export const POST = route(
  async (req: Request, ctx: RouteContext<"/api/sales/[id]/orders">) => {
    await readJsonObject(req, { allowEmpty: true });
    const userId = requireShopper(req);
    // The key is the shopper's: checked once the session is, so a visitor without one is told that first.
    const idempotencyKey = req.headers.get("idempotency-key");
    if (idempotencyKey !== null && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new AppError("invalid_request", "Idempotency-Key must be 1 to 200 printable ASCII characters.");
    }
    const { id: saleId } = await ctx.params;

    const { order, isNew, isReplay } = await placeOrder({ saleId, userId, idempotencyKey, checkRateLimits: () => limitOrderAttempt(req, userId) });
    (isNew ? webMetrics().accepted : webMetrics().repeated).inc();
    const statusUrl = `/api/orders/${order.id}`;
    const headers: Record<string, string> = { "cache-control": "no-store" };
    // A retry with the key that placed the order gets the first answer again: 202 and its Location.
    if (isNew || isReplay) headers.location = statusUrl;
    if (isReplay) headers["idempotent-replayed"] = "true";
    return Response.json({ order, statusUrl }, { status: isNew || isReplay ? 202 : 200, headers });
  },
  // Timed by the answer the shopper got (route's hooks), so a Buy answered 503 at its deadline is timed
  // as that, not as the admission that may still commit after it; and by outcome, so an accepted Buy's
  // round trip is not lost among the quick refusals of a storm. A new order is the one 202 without the
  // replay header; a replay and a repeat click's 200 are repeats.
  {
    onAnswer: (res, seconds) =>
      webMetrics().latency.observe({ outcome: res.status === 202 && !res.headers.has("idempotent-replayed") ? "accepted" : "repeated" }, seconds),
    onError: (err, seconds) => {
      recordRejection(err.code);
      webMetrics().latency.observe({ outcome: "rejected" }, seconds);
    },
  },
);

export const { DELETE, GET, OPTIONS, PATCH, PUT } = otherMethods(["POST"]);
