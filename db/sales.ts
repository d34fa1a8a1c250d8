import { asc, eq, sql } from "drizzle-orm";
import { getDb } from "./client";
import { isUuid } from "./ids";
import { sales, type SaleRow } from "./schema";

export type SaleState = "scheduled" | "live" | "sold_out" | "ended";

export type Sale = {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  originalPriceCents: number;
  stock: number;
  remaining: number;
  startsAt: string;
  endsAt: string;
  state: SaleState;
};

export function saleState(row: Pick<SaleRow, "startsAt" | "endsAt" | "remaining">, now: number = Date.now()): SaleState {
  if (now < row.startsAt.getTime()) return "scheduled";
  if (row.remaining <= 0) return "sold_out";
  if (now >= row.endsAt.getTime()) return "ended";
  return "live";
}

export function toSale(row: SaleRow, now: number = Date.now()): Sale {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    priceCents: row.priceCents,
    originalPriceCents: row.originalPriceCents,
    stock: row.stock,
    remaining: row.remaining,
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    state: saleState(row, now),
  };
}

/** Every sale, soonest first, with its state as of now. */
export async function listSales(): Promise<Sale[]> {
  const rows = await getDb().select().from(sales).orderBy(asc(sales.startsAt), asc(sales.name));
  const now = Date.now();
  return rows.map((row) => toSale(row, now));
}

const saleById = () => getDb().select().from(sales).where(eq(sales.id, sql.placeholder("id"))).limit(1).prepare("sale_by_id");

let preparedSaleById: ReturnType<typeof saleById> | undefined;

export async function getSale({ id }: { id: string }): Promise<SaleRow | undefined> {
  if (!isUuid(id)) return undefined;
  preparedSaleById ??= saleById();
  const [row] = await preparedSaleById.execute({ id });
  return row;
}

export type NewSale = {
  name: string;
  description?: string;
  priceCents: number;
  originalPriceCents: number;
  stock: number;
  startsAt: Date;
  endsAt: Date;
};

export async function createSale(input: NewSale): Promise<SaleRow> {
  const [row] = await getDb()
    .insert(sales)
    .values({ ...input, description: input.description ?? "", remaining: input.stock })
    .returning();
  if (!row) throw new Error("insert returned no sale");
  return row;
}

// Sale metadata is read on every Buy; a per-process cache of at most one second keeps that read off
// the database. Concurrent misses share one query. A second of staleness delays the sold-out fast
// path, Buy's return once units come back, and another web process's edit or End now (this process
// forgets its copy at once); allocation itself always reads the locked row.
const CACHE_MS = 1000;
const cache = new Map<string, { at: number; row: Promise<SaleRow | undefined> }>();

/** Drops this process's cached copy of a sale, once an admin's edit or End now has committed: the
 * process that served the admin applies the change to its next Buy. Other web processes see it
 * within the cache's second. */
export function forgetCachedSale(id: string): void {
  cache.delete(id);
}

export function getSaleCached({ id }: { id: string }, now: number = Date.now()): Promise<SaleRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  const hit = cache.get(id);
  if (hit && now - hit.at < CACHE_MS) return hit.row;
  if (cache.size > 10_000) cache.clear();
  const row = getSale({ id });
  cache.set(id, { at: now, row });
  // A failed read is asked again by the next Buy; an entry that replaced it meanwhile stays.
  row.catch(() => cache.get(id)?.row === row && cache.delete(id));
  return row;
}
