import { sql } from "drizzle-orm";
import { getDb } from "./client";
import { orderStatus, type OrderStatus } from "./schema";

export type AdminOrder = {
  id: string;
  saleId: string;
  /** Arrival number: the page cursor, and the order in which stock was allocated. */
  seq: number;
  email: string;
  status: OrderStatus;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
};

export type OrderPage = { orders: AdminOrder[]; hasOlder: boolean; hasNewer: boolean };

export type OrderSearch =
  // Text that could be either (`facade`, `1234`): orders whose id or whose shopper's email starts with it.
  | { kind: "id-prefix"; low: string; high: string; emailPrefix: string }
  | { kind: "email-prefix"; prefix: string };

const hex = /^[0-9a-f]{1,32}$/;

function asUuid(hex32: string): string {
  return `${hex32.slice(0, 8)}-${hex32.slice(8, 12)}-${hex32.slice(12, 16)}-${hex32.slice(16, 20)}-${hex32.slice(20)}`;
}

/**
 * What the admin typed into the search box: an order id or its first characters (as shown in the
 * table, or as a shopper quotes their order number: `#48EABAC2`) becomes a range of ids the primary
 * key answers, or, since `facade` or `1234` could as well begin an email address, the start of one;
 * anything else, an `@` included (`alice@exam` while typing), the start of an email address, which a
 * full address also is.
 */
export function parseOrderSearch(text: string): OrderSearch | undefined {
  const query = text.trim().toLowerCase();
  if (query === "") return undefined;
  // A leading `#` is taken off an order number only: `#` may begin an email address too.
  const id = query.replace(/^#\s*/, "");
  const digits = id.replace(/-/g, "");
  if (/^[0-9a-f-]+$/.test(id) && hex.test(digits) && digits.length >= 4) {
    return { kind: "id-prefix", low: asUuid(digits.padEnd(32, "0")), high: asUuid(digits.padEnd(32, "f")), emailPrefix: query };
  }
  return { kind: "email-prefix", prefix: query };
}

/** A LIKE pattern matching what starts with `prefix`, its wildcards taken literally. */
function likePrefix(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + "%";
}

function searchCondition(search: OrderSearch | undefined) {
  if (!search) return sql``;
  const byEmail = sql`o.user_id IN (SELECT id FROM users WHERE email LIKE ${likePrefix(search.kind === "id-prefix" ? search.emailPrefix : search.prefix)})`;
  if (search.kind === "id-prefix") return sql`AND (o.id BETWEEN ${search.low}::uuid AND ${search.high}::uuid OR ${byEmail})`;
  return sql`AND ${byEmail}`;
}

type Row = {
  id: string;
  sale_id: string;
  seq: string | number;
  email: string;
  status: OrderStatus;
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
};

/**
 * One page of a sale's orders, newest first, by arrival number (keyset: `before` pages to older
 * orders, `after` to newer). Per status, the (sale, status, seq) index yields the next few rows in
 * order and the pages are merged, so a page costs a few index reads however many orders the sale has.
 */
export async function listSaleOrders({
  saleId,
  status,
  search,
  before,
  after,
  limit = 25,
}: {
  saleId: string;
  status?: OrderStatus;
  search?: OrderSearch;
  before?: number;
  after?: number;
  limit?: number;
}): Promise<OrderPage> {
  const statuses = status ? [status] : [...orderStatus.enumValues];
  const isForward = after !== undefined && before === undefined;
  const bound = isForward ? sql`AND o.seq > ${after}` : before !== undefined ? sql`AND o.seq < ${before}` : sql``;
  const direction = isForward ? sql`ASC` : sql`DESC`;
  const rows = await getDb().execute<Row>(sql`
    SELECT page.id, page.sale_id, page.seq, u.email, page.status, page.failure_reason, page.created_at, page.updated_at
    FROM unnest(${sql.param(statuses)}::order_status[]) AS s(status)
    CROSS JOIN LATERAL (
      SELECT o.* FROM orders o
      WHERE o.sale_id = ${saleId} AND o.status = s.status ${bound} ${searchCondition(search)}
      ORDER BY o.seq ${direction} LIMIT ${limit + 1}
    ) AS page
    JOIN users u ON u.id = page.user_id
    ORDER BY page.seq ${direction} LIMIT ${limit + 1}`);

  const hasMore = rows.length > limit;
  const list = [...rows].slice(0, limit);
  if (isForward) list.reverse();
  return {
    orders: list.map((row) => ({
      id: row.id,
      saleId: row.sale_id,
      seq: Number(row.seq),
      email: row.email,
      status: row.status,
      failureReason: row.failure_reason,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    })),
    hasOlder: isForward ? true : hasMore,
    hasNewer: isForward ? hasMore : before !== undefined,
  };
}
