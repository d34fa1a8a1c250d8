import { getPool, setLocalLockTimeout } from "./client";
import { AppError } from "./errors";
import { log } from "./log";

// A sale whose row another transaction holds FOR UPDATE (an operator's session; a delete would too)
// blocks every new order of that sale: the insert's foreign key needs a key-share lock on the row.
// Retried Buy by Buy after its group gave up (2 s), each such Buy would wait its own 2 s in turn on
// the few admission connections, every other sale's Buys behind them. So a group that gives up on a
// lock looks, without waiting, which of its sales' rows are held: their new orders are answered 503
// at once for HELD_SALE_MS, then the row is looked at again before they join a group. An allocation's
// lock on the row (FOR NO KEY UPDATE) does not block inserts and is not "held" here.

const HELD_SALE_MS = 2_000;
// A mark this much past its time is dropped unlooked-at: the sale's next group finds out again.
const FORGET_AFTER_MS = 10_000;

type Mark = { until: number; looking?: Promise<boolean> };
const marks = new Map<string, Mark>();

class HeldSaleError extends AppError {
  constructor() {
    super("unavailable", "This sale is briefly unavailable. Please try again in a moment.", { retryAfterSeconds: HELD_SALE_MS / 1000 });
  }
}

export const heldSaleError = () => new HeldSaleError();
export const isHeldSaleError = (err: unknown): boolean => err instanceof HeldSaleError;

/** Of these sales, those whose row another transaction holds against an order insert. Never waits
 * for a row; throws after 100 ms on a lock of the whole table (an operator's migration). */
async function heldOf(saleIds: string[]): Promise<string[]> {
  const ids = [...new Set(saleIds)];
  const rows = await getPool().sql.begin(async (tx) => {
    await tx.unsafe(setLocalLockTimeout(100));
    return tx<{ id: string }[]>`
      WITH free AS (SELECT id FROM sales WHERE id = ANY(${ids}::uuid[]) FOR KEY SHARE SKIP LOCKED)
      SELECT id FROM sales WHERE id = ANY(${ids}::uuid[]) AND id NOT IN (SELECT id FROM free)`;
  });
  return rows.map((r) => r.id);
}

/** Whether a Buy of this sale is to be answered 503 now, without a look at the database. */
export function isHeldNow(saleId: string): boolean {
  const mark = marks.get(saleId);
  return mark !== undefined && Date.now() < mark.until;
}

/**
 * After a group admission statement gave up on a lock: the sales of the group whose row is held, now
 * marked so. Empty when none is, or when it cannot be told (the lock was on an order, or the database
 * did not answer): the group is then tried Buy by Buy.
 */
export async function markHeldSales(saleIds: string[]): Promise<Set<string>> {
  let held: string[];
  try {
    held = await heldOf(saleIds);
  } catch {
    return new Set();
  }
  for (const saleId of held) {
    if (!marks.has(saleId)) log.warn({ saleId }, "a sale's row is held by another transaction (FOR UPDATE, or a delete): its new orders are answered 503 until it is free");
    marks.set(saleId, { until: Date.now() + HELD_SALE_MS });
  }
  return new Set(held);
}

/**
 * For a Buy of a sale marked held: rejects with the 503 while the mark lasts; once it has run out,
 * looks again without waiting (the Buys arriving meanwhile wait for the same look) and rejects if
 * the row is still held, else clears the mark. Undefined (nothing to wait for) for every other sale.
 */
export function checkHeldSale(saleId: string): Promise<void> | undefined {
  const mark = marks.get(saleId);
  if (mark === undefined) return undefined;
  const now = Date.now();
  if (now < mark.until) return Promise.reject(heldSaleError());
  if (now > mark.until + FORGET_AFTER_MS) {
    marks.delete(saleId);
    return undefined;
  }
  mark.looking ??= heldOf([saleId]).then(
    (held) => held.length > 0,
    // Cannot tell (the database did not answer): the Buy's own statement finds out.
    () => false,
  );
  return mark.looking.then((isHeld) => {
    // Every Buy that waited for this look acts on it; the first one to see it renews or clears the mark.
    const isFirst = marks.get(saleId) === mark;
    if (isHeld) {
      if (isFirst) marks.set(saleId, { until: Date.now() + HELD_SALE_MS });
      throw heldSaleError();
    }
    if (isFirst) {
      marks.delete(saleId);
      log.info({ saleId }, "a sale's row is free again: its Buys are admitted");
    }
  });
}
