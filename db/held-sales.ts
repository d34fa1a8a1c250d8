import { getPool } from "./client";
import { AppError } from "./errors";
import { log } from "./log";

// A sale whose row another transaction holds FOR UPDATE (an operator's session; a delete or a change
// of its key would too) blocks every order insert of that sale: the insert's foreign key needs a
// key-share lock on the row. A group admission statement that meets it gives up after its lock
// timeout (2 s, db/client.ts) and fails whole; tried again Buy by Buy, each of that sale's Buys would
// wait its own 2 s in turn on the few admission connections, and every other sale's Buys behind them,
// until the request deadline answered them all 503. So a group that gives up on a lock looks, without
// waiting, which of its sales' rows are held that way: their Buys are answered 503 `unavailable` at
// once for HELD_SALE_MS, without touching the database, and the row is looked at again (without
// waiting) before that sale's Buys join a group again. An allocation's lock on the row (FOR NO KEY
// UPDATE) does not block inserts and is not "held" here.

const HELD_SALE_MS = 2_000;

// Sale id → until when its Buys are answered 503 without a look at the database.
const heldUntil = new Map<string, number>();

const heldSaleError = () => new AppError("unavailable", "This sale is briefly unavailable. Please try again in a moment.", { retryAfterSeconds: 2 });

/**
 * Of these sales, those whose row another transaction holds against an order insert. Never waits for
 * a row; gives up after 100 ms on a lock of the whole table (an operator's migration), and throws then.
 */
async function heldOf(saleIds: string[]): Promise<string[]> {
  const ids = [...new Set(saleIds)];
  const rows = await getPool().sql.begin(async (tx) => {
    await tx`SET LOCAL lock_timeout = '100ms'`;
    return tx<{ id: string }[]>`
      WITH free AS (SELECT id FROM sales WHERE id = ANY(${ids}::uuid[]) FOR KEY SHARE SKIP LOCKED)
      SELECT id FROM sales WHERE id = ANY(${ids}::uuid[]) AND id NOT IN (SELECT id FROM free)`;
  });
  return rows.map((r) => r.id);
}

/** Whether a Buy of this sale is to be answered 503 now, without a look at the database. */
export function isHeldNow(saleId: string): boolean {
  const until = heldUntil.get(saleId);
  return until !== undefined && Date.now() < until;
}

/**
 * After a group admission statement gave up on a lock: the sales of the group whose row is held, now
 * marked so (their Buys are answered 503 for HELD_SALE_MS). Empty when none is, or when it cannot be
 * told (the lock was on an order, or the database did not answer): the group is then tried Buy by Buy.
 */
export async function markHeldSales(saleIds: string[]): Promise<Set<string>> {
  let held: string[];
  try {
    held = await heldOf(saleIds);
  } catch {
    return new Set();
  }
  for (const saleId of held) {
    if (!heldUntil.has(saleId)) log.warn({ saleId }, "a sale's row is held by another transaction (FOR UPDATE, or a delete): its Buys are answered 503 until it is free");
    heldUntil.set(saleId, Date.now() + HELD_SALE_MS);
  }
  return new Set(held);
}

/**
 * For a Buy of a sale marked held: throws the 503 while the mark lasts; once it has run out, looks
 * again (without waiting; the Buys arriving meanwhile are answered 503 too) and throws if the row is
 * still held, else clears the mark. Undefined (nothing to wait for) for every other sale.
 */
export function checkHeldSale(saleId: string): Promise<void> | undefined {
  const until = heldUntil.get(saleId);
  if (until === undefined) return undefined;
  if (Date.now() < until) return Promise.reject(heldSaleError());
  heldUntil.set(saleId, Date.now() + HELD_SALE_MS);
  return heldOf([saleId]).then(
    (held) => {
      if (held.length > 0) throw heldSaleError();
      heldUntil.delete(saleId);
      log.info({ saleId }, "a sale's row is free again: its Buys are admitted");
    },
    () => {
      // Cannot tell (the database did not answer): the Buy's own statement finds out.
      heldUntil.delete(saleId);
    },
  );
}

export { heldSaleError };
