import { and, desc, eq, sql } from "drizzle-orm";
import { getDb, setLocalLockTimeout } from "./client";
import { AppError } from "./errors";
import { isUuid } from "./ids";
import { createSale, forgetCachedSale, getSale, saleState, toSale, type NewSale, type Sale, type SaleState } from "./sales";
import { orders, sales, type SaleRow } from "./schema";

/** A sale as the admin sees it: the shopper's view plus how many units are sold. */
export type AdminSale = Sale & { sold: number; createdAt: string };

/**
 * A sale's state for the admin: `ended` once its end has passed, sold out or not. A shopper's `state`
 * (DESIGN.md) keeps `sold_out` for a sale that sold out and then ended, what they saw last; the admin
 * asks whether it is still running (End now is offered only while it is), and an ended one says so.
 */
export function adminSaleState(row: Pick<SaleRow, "startsAt" | "endsAt" | "remaining">, now: number = Date.now()): SaleState {
  return now >= row.endsAt.getTime() ? "ended" : saleState(row, now);
}

export function toAdminSale(row: SaleRow, now: number = Date.now()): AdminSale {
  return { ...toSale(row, now), state: adminSaleState(row, now), sold: row.stock - row.remaining, createdAt: row.createdAt.toISOString() };
}

/** A 400 whose details name the fields at fault, so a form can show each message beside its field. */
export function fieldError(fields: Record<string, string>): AppError {
  // A problem with the body as a whole (an unknown field, nothing to change) is a sentence of its own.
  const message = Object.entries(fields)
    .map(([field, problem]) => (field === "body" ? problem : `${field}: ${problem}`))
    .join("; ");
  return new AppError("invalid_request", message, { details: { fields } });
}

const SALES_PAGE = 100;

/**
 * A page of sales, newest start first (the admin looks at what is coming and what just ran), after the
 * sale `before` when given (keyset: start, creation, id), and whether older ones follow. `undefined`
 * when `before` names no sale: sales are never deleted, so that cursor was mistyped, not the list's end.
 */
export async function listAdminSales({ before }: { before?: string } = {}): Promise<{ sales: AdminSale[]; hasOlder: boolean } | undefined> {
  const after = before
    ? sql`(${sales.startsAt}, ${sales.createdAt}, ${sales.id}) < (SELECT starts_at, created_at, id FROM sales WHERE id = ${before})`
    : undefined;
  const rows = await getDb()
    .select()
    .from(sales)
    .where(after)
    .orderBy(desc(sales.startsAt), desc(sales.createdAt), desc(sales.id))
    .limit(SALES_PAGE + 1);
  // Read only when the page is empty: a known cursor's page has its rows, or is the last one.
  if (before && rows.length === 0 && !(await getSale({ id: before }))) return undefined;
  const now = Date.now();
  return { sales: rows.slice(0, SALES_PAGE).map((row) => toAdminSale(row, now)), hasOlder: rows.length > SALES_PAGE };
}

export async function createAdminSale(input: NewSale): Promise<AdminSale> {
  return toAdminSale(await createSale(input));
}

/**
 * How long an edit or End now waits for the sale's row. Allocations hold it for milliseconds; a
 * transaction left open on it (an operator's session) would otherwise keep the edit waiting in
 * Postgres until it ends, long after the request deadline answered the admin 503, with its pool
 * connection taken the whole time: ten clicks on Save took every connection of the web process
 * (health 503, every Buy 503) for as long as the operator's session stayed open, and each edit the
 * admin was told had failed was applied once it closed. Giving up frees the connection, and the 503
 * (`database lock wait timed out`, as for a Buy) is then true: nothing was changed.
 */
const EDIT_LOCK_TIMEOUT_MS = 2_000;

export type SaleChanges = Partial<Pick<NewSale, "name" | "description" | "stock" | "startsAt" | "endsAt">>;

/**
 * Edits a sale in one transaction on its locked row, so a concurrent allocation sees either the old
 * or the new stock, never half of it. Stock only goes up once the sale has started, and the units
 * added (or, before the start, removed) are applied to `remaining` in the same UPDATE.
 */
export async function updateSale({ id, changes, now = new Date() }: { id: string; changes: SaleChanges; now?: Date }): Promise<AdminSale> {
  if (!isUuid(id)) throw new AppError("sale_not_found", "There is no sale with this id.");
  const sale = await getDb().transaction(async (tx) => {
    await tx.execute(sql.raw(setLocalLockTimeout(EDIT_LOCK_TIMEOUT_MS)));
    const [current] = await tx.select().from(sales).where(eq(sales.id, id)).for("update");
    if (!current) throw new AppError("sale_not_found", "There is no sale with this id.");

    const startsAt = changes.startsAt ?? current.startsAt;
    const endsAt = changes.endsAt ?? current.endsAt;
    if (endsAt <= startsAt) throw fieldError({ endsAt: "must be after the start" });

    // A sale that has taken orders cannot move its start back into the future: it would be "not
    // started" again, and its stock could be lowered under orders already accepted. One that never
    // took any (ended before it opened, or nobody came) can be rescheduled.
    const hasStarted = current.startsAt <= now;
    if (hasStarted && startsAt > now) {
      const [taken] = await tx.select({ id: orders.id }).from(orders).where(eq(orders.saleId, id)).limit(1);
      if (taken) {
        const problem = "cannot move into the future once the sale has taken orders";
        throw new AppError("conflict", `startsAt: ${problem}.`, { details: { fields: { startsAt: problem } } });
      }
    }

    // Rescheduled into the future (allowed above only with no orders), it has not started as far as
    // its stock goes: one edit may move it and lower its stock, as two in turn could.
    const staysStarted = hasStarted && startsAt <= now;
    let stockDelta = 0;
    if (changes.stock !== undefined && changes.stock !== current.stock) {
      if (staysStarted && changes.stock < current.stock) {
        throw new AppError("conflict", `stock: can only go up once the sale has started (it is ${current.stock}).`, {
          details: { fields: { stock: `can only go up once the sale has started (it is ${current.stock})` } },
        });
      }
      const sold = current.stock - current.remaining;
      if (changes.stock < sold) {
        throw new AppError("conflict", `stock: ${sold} units are already sold.`, { details: { fields: { stock: `${sold} units are already sold` } } });
      }
      if (changes.stock < current.stock) {
        // Nor below the orders accepted and waiting for a unit: each was promised one. A sale not yet
        // started has none, unless it was rescheduled just as its first Buys came in (a Buy already
        // past its sale check, or another web process's cached copy, for up to a second), which the
        // rule above, reading orders before they committed, could not see.
        const [{ n: waiting } = { n: 0 }] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(orders)
          .where(and(eq(orders.saleId, id), eq(orders.status, "pending")));
        if (changes.stock < sold + waiting) {
          const problem = `${waiting} accepted orders are waiting for a unit (${sold} sold)`;
          throw new AppError("conflict", `stock: ${problem}.`, { details: { fields: { stock: problem } } });
        }
      }
      stockDelta = changes.stock - current.stock;
    }

    const [row] = await tx
      .update(sales)
      .set({
        name: changes.name ?? current.name,
        description: changes.description ?? current.description,
        startsAt,
        endsAt,
        stock: sql`${sales.stock} + ${stockDelta}::int`,
        remaining: sql`${sales.remaining} + ${stockDelta}::int`,
      })
      .where(eq(sales.id, id))
      .returning();
    return toAdminSale(row!);
  });
  forgetCachedSale(id);
  return sale;
}

/**
 * Ends a sale now. A sale that had not started ends before it begins (its start moves to just
 * before now), so it never opens. Ending a sale that has already ended changes nothing.
 */
export async function endSaleNow({ id }: { id: string }): Promise<AdminSale> {
  if (!isUuid(id)) throw new AppError("sale_not_found", "There is no sale with this id.");
  const [row] = await getDb().transaction(async (tx) => {
    await tx.execute(sql.raw(setLocalLockTimeout(EDIT_LOCK_TIMEOUT_MS)));
    return tx
      .update(sales)
      .set({
        endsAt: sql`CASE WHEN ${sales.endsAt} > now() THEN now() ELSE ${sales.endsAt} END`,
        startsAt: sql`CASE WHEN ${sales.endsAt} > now() THEN LEAST(${sales.startsAt}, now() - interval '1 millisecond') ELSE ${sales.startsAt} END`,
      })
      .where(eq(sales.id, id))
      .returning();
  });
  if (!row) throw new AppError("sale_not_found", "There is no sale with this id.");
  forgetCachedSale(id);
  return toAdminSale(row);
}
