import { and, desc, eq, or, sql } from "drizzle-orm";
import { reserveAdmission, type Reservation } from "./admission";
import { getDb } from "./client";
import { admit, shopperOrderInSale } from "./group-admission";
import { isHeldSaleError } from "./held-sales";
import { AppError } from "./errors";
import { positionInLine } from "./line";
import { isUuid } from "./ids";
import { getSaleCached } from "./sales";
import { orders, type OrderRow } from "./schema";

export type Order = {
  id: string;
  saleId: string;
  status: OrderRow["status"];
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
  position: number | null;
};

type OrderWithPosition = OrderRow & { position: number | null };

export function toOrder(row: OrderWithPosition): Order {
  return {
    id: row.id,
    saleId: row.saleId,
    status: row.status,
    failureReason: row.failureReason,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    position: row.status === "pending" ? Number(row.position ?? 0) : null,
  };
}

export type PlaceOrderResult = {
  order: Order;
  /** A new order was admitted by this request (202). */
  isNew: boolean;
  /** The answer replays the order first placed with this request's Idempotency-Key. */
  isReplay: boolean;
};

export type PlaceOrderInput = {
  saleId: string;
  userId: string;
  idempotencyKey?: string | null;
  /** The caller's rate limits: run after the sale checks, before any database work. */
  checkRateLimits?: () => Promise<void> | void;
  now?: number;
};

/**
 * Admits a Buy, cheapest checks first: the sale (from the one-second cache), the caller's rate
 * limits, the sale's admission gate and the backlog bound (from the 250 ms backlog snapshot), then
 * ONE transaction inserting the pending order and its allocation job (shared with the Buys arriving
 * at the same moment), so an order exists if and only if its job does. A repeat from the same
 * shopper returns the order they already have; a retry with the same Idempotency-Key returns the
 * order that key placed.
 */
export async function placeOrder(input: PlaceOrderInput): Promise<PlaceOrderResult> {
  const now = input.now ?? Date.now();
  const key = input.idempotencyKey ?? null;
  const sale = await getSaleCached({ id: input.saleId }, now);
  if (!sale) throw new AppError("sale_not_found", "There is no sale with this id.");
  if (now < sale.startsAt.getTime()) {
    throw new AppError("sale_not_started", `This sale starts at ${sale.startsAt.toISOString()}.`);
  }
  let reservation: Reservation;
  try {
    if (now >= sale.endsAt.getTime()) throw new AppError("sale_ended", "This sale has ended.");
    // Sold-out fast path: once no unit is left, a Buy costs no write at all.
    if (sale.remaining <= 0) throw new AppError("sold_out", "Every unit of this sale has been sold.");
    await input.checkRateLimits?.();
    reservation = await reserveAdmission({ saleId: sale.id, remaining: sale.remaining });
  } catch (err) {
    if (err instanceof AppError && (err.code === "sold_out" || err.code === "sale_ended")) {
      // A retry of an admitted Buy gets its first answer even once the sale is over; a shopper the
      // gate turns away while their own order waits in line (a repeat click) gets that order. The
      // plain sold-out fast path stays read-free for everyone else.
      const isGate = err.code === "sold_out" && sale.remaining > 0;
      if (isGate && !key) {
        // The storm's common case: looked up together with the other shoppers turned away now.
        const mine = await shopperOrderInSale({ saleId: sale.id, userId: input.userId });
        if (mine) return { order: toOrder({ ...mine.row, position: mine.position }), isNew: false, isReplay: false };
      } else if (key) {
        // With a key the same read also finds the shopper's order in this sale: a repeat click from a
        // new page view (a new key) gets that order rather than the error.
        const existing = await findExistingOrder({ userId: input.userId, saleId: sale.id, idempotencyKey: key });
        if (existing) return { ...existing, isNew: false };
      }
    }
    throw err;
  }

  let committedXid: bigint | null = null;
  try {
    const { xid, ...result } = await insertOrderWithJob({ saleId: sale.id, userId: input.userId, idempotencyKey: key });
    committedXid = xid;
    return result;
  } finally {
    reservation.settle(committedXid);
  }
}

const USER_FOREIGN_KEY = "orders_user_id_users_id_fk";

/**
 * The admission transaction, shared with the Buys arriving alongside (db/group-admission.ts): the
 * order's INSERT and its job's, one commit. A conflict on either unique index (one order per shopper
 * per sale; one per Idempotency-Key) returns the existing order instead.
 */
async function insertOrderWithJob({
  saleId,
  userId,
  idempotencyKey,
}: {
  saleId: string;
  userId: string;
  idempotencyKey: string | null;
}): Promise<PlaceOrderResult & { xid: bigint | null }> {
  let admitted: Awaited<ReturnType<typeof admit>>;
  try {
    admitted = await admit({ saleId, userId, idempotencyKey });
  } catch (err) {
    // A validly signed session whose shopper is not in this database (it was reset or replaced while
    // the session secret stayed): a session to sign in again with, not a fault of ours.
    if ((err as { constraint_name?: string } | null)?.constraint_name === USER_FOREIGN_KEY) {
      throw new AppError("unauthenticated", "Your session is for an account this shop no longer has. Sign in again.");
    }
    // A sale whose row another transaction holds (db/held-sales.ts) blocks new orders only: a repeat
    // click or a replay is answered with the shopper's order, as an insert meeting it would have been.
    if (isHeldSaleError(err)) {
      const existing = await findExistingOrder({ userId, saleId, idempotencyKey });
      if (existing) return { ...existing, isNew: false, xid: null };
    }
    throw err;
  }
  if (admitted) return { order: toOrder({ ...admitted.row, position: admitted.position }), isNew: true, isReplay: false, xid: admitted.xid };
  // The conflicting order is committed: ON CONFLICT waited for its transaction to end.
  const existing = await findExistingOrder({ userId, saleId, idempotencyKey });
  if (!existing) throw new Error("order conflict without an existing order");
  return { ...existing, isNew: false, xid: null };
}

/**
 * The order this Idempotency-Key placed (a replay), else the shopper's order in `saleId` (a repeat
 * click). Both lookups are one read on a unique index. Throws 400 `invalid_request` when the key placed
 * an order in another sale.
 */
async function findExistingOrder({
  userId,
  saleId,
  idempotencyKey,
}: {
  userId: string;
  saleId: string;
  idempotencyKey: string | null;
}): Promise<{ order: Order; isReplay: boolean } | undefined> {
  const sameKey = idempotencyKey === null ? undefined : eq(orders.idempotencyKey, idempotencyKey);
  const sameSale = eq(orders.saleId, saleId);
  const query = getDb()
    .select({ order: orders, position: positionInLine })
    .from(orders)
    .where(and(eq(orders.userId, userId), sameKey ? or(sameKey, sameSale) : sameSale));
  // With a key, two rows may match: the order this key placed wins over the shopper's order in this
  // sale (whose key may be NULL: `key = $1` is then NULL, which DESC would sort first). Without one,
  // the shopper has at most one order in the sale.
  const [row] = await (sameKey ? query.orderBy(sql`${sameKey} DESC NULLS LAST`) : query).limit(1);
  if (!row) return undefined;
  const isReplay = idempotencyKey !== null && row.order.idempotencyKey === idempotencyKey;
  // A key names one Buy: sent to another sale's URL it is a client's mistake, not a retry, and
  // answering with the first sale's order would read as an order in this one.
  if (isReplay && row.order.saleId !== saleId) {
    throw new AppError("invalid_request", "This Idempotency-Key was already used for an order in another sale: each Buy needs a key of its own.");
  }
  return { order: toOrder({ ...row.order, position: row.position }), isReplay };
}

// Every shopper's page polls its order while it is pending: a prepared statement, parsed and planned
// once per connection (an unnamed one is planned again on every poll, which cost Postgres several times
// what running it did).
const orderForUser = () =>
  getDb()
    .select({ order: orders, position: positionInLine })
    .from(orders)
    .where(and(eq(orders.id, sql.placeholder("orderId")), eq(orders.userId, sql.placeholder("userId"))))
    .limit(1)
    .prepare("order_for_user");

let preparedOrderForUser: ReturnType<typeof orderForUser> | undefined;

/** One shopper's order; anyone else's, or an unknown or malformed id, is not found. */
export async function getOrderForUser({ orderId, userId }: { orderId: string; userId: string }): Promise<Order | undefined> {
  if (!isUuid(orderId)) return undefined;
  preparedOrderForUser ??= orderForUser();
  const [row] = await preparedOrderForUser.execute({ orderId, userId });
  return row ? toOrder({ ...row.order, position: row.position }) : undefined;
}

/** A shopper's orders, newest first; optionally only the one in a given sale. */
export async function listOrdersForUser({ userId, saleId, limit = 100 }: { userId: string; saleId?: string; limit?: number }): Promise<Order[]> {
  if (saleId !== undefined && !isUuid(saleId)) return [];
  const rows = await getDb()
    .select({ order: orders, position: positionInLine })
    .from(orders)
    .where(saleId ? and(eq(orders.userId, userId), eq(orders.saleId, saleId)) : eq(orders.userId, userId))
    .orderBy(desc(orders.createdAt))
    .limit(limit);
  return rows.map((r) => toOrder({ ...r.order, position: r.position }));
}
