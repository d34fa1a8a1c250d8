import { asc, desc, eq, gt, lte, sql } from "drizzle-orm";
import { getDb } from "./client";
import { isUuid } from "./ids";
import { ReadCache } from "./read-cache";
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

// What the shop lists: every sale that has not ended (upcoming, live, or sold out before its end),
// soonest start first, then the last few that ended, latest end first. Ended sales pile up sale after
// sale; the shop shows the recent ones, and each stays at its own page (`GET /api/sales/:id`).
export const LISTED_AHEAD_MAX = 200;
export const LISTED_ENDED_MAX = 24;

async function readListedSales(now: number): Promise<SaleRow[]> {
  const at = new Date(now);
  const [ahead, ended] = await Promise.all([
    getDb().select().from(sales).where(gt(sales.endsAt, at)).orderBy(asc(sales.startsAt), asc(sales.name)).limit(LISTED_AHEAD_MAX),
    getDb().select().from(sales).where(lte(sales.endsAt, at)).orderBy(desc(sales.endsAt), asc(sales.name)).limit(LISTED_ENDED_MAX),
  ]);
  return [...ahead, ...ended];
}

/**
 * The sales the shop lists, with their states as of now. Every visitor's home page asks for them every
 * few seconds, so the rows are read at most once a second per process, like a Buy's sale.
 */
export async function listSales(now: number = Date.now()): Promise<Sale[]> {
  const rows = await listCache.get("listed", () => readListedSales(now), now);
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

/**
 * The sales with these ids (a shopper's orders' sales), read through the per-process sale cache: a
 * sale page asks for the shopper's order in its sale as it loads, so a crowd opening one sale costs
 * no read here.
 */
export async function salesByIds(ids: string[], now: number = Date.now()): Promise<Sale[]> {
  const rows = await Promise.all([...new Set(ids)].map((id) => getSaleCached({ id }, now)));
  return rows.flatMap((row) => (row ? [toSale(row, now)] : []));
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
  listCache.forget("listed");
  return row;
}

// Sale metadata is read on every Buy; a per-process cache of at most one second keeps that read off
// the database. Concurrent misses share one query. A second of staleness delays the sold-out fast
// path, Buy's return once units come back, and another web process's edit or End now (this process
// forgets its copy at once); allocation itself always reads the locked row.
const CACHE_MS = 1000;
const saleCache = new ReadCache<string, SaleRow | undefined>(CACHE_MS);
const listCache = new ReadCache<"listed", SaleRow[]>(CACHE_MS);

/** Drops this process's cached copies of a sale (and of the list it is in), once an admin's edit or
 * End now has committed: the process that served the admin applies the change to its next Buy. Other
 * web processes see it within the cache's second. */
export function forgetCachedSale(id: string): void {
  saleCache.forget(id);
  listCache.forget("listed");
}

export function getSaleCached({ id }: { id: string }, now: number = Date.now()): Promise<SaleRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return saleCache.get(id, () => getSale({ id }), now);
}
