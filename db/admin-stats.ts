import { and, eq, gt, gte, sql } from "drizzle-orm";
import { PLACE_ORDER } from "@/jobs/queues";
import { toAdminSale, type AdminSale } from "./admin-sales";
import { getDb } from "./client";
import { countDeadLetters } from "./dead-letters";
import { isUuid } from "./ids";
import { orderStatus, saleActivity, sales, saleStatusCounts, type OrderStatus } from "./schema";

export type ActivityPoint = { t: number; accepted: number; completed: number; failed: number };

export type SaleStats = {
  sale: AdminSale;
  /** Orders of the sale by status, from the counters the order triggers keep. */
  counts: Record<OrderStatus, number>;
  queue: { inLine: number; jobsWaiting: number; jobsWaitingCap: number };
  /** Per second, averaged over the last complete `rateWindowSeconds` (10, fewer in a sale's first seconds). */
  rates: { accepted: number; processed: number; rateWindowSeconds: number };
  /** One point per second (unix seconds) over the last `windowSeconds`, zeros included. */
  series: ActivityPoint[];
  windowSeconds: number;
  sellOut: { soldOutAt: string | null; secondsToSellOut: number | null; etaSeconds: number | null };
  deadLetters: number;
  at: string;
};

const RATE_WINDOW_SECONDS = 10;

/**
 * How many complete seconds the rates average over: the last ten, or for a sale that opened less than
 * ten seconds ago the seconds since its opening second began (at least one).
 */
function rateWindow(startsAtMs: number, nowSecond: number): number {
  const sinceOpening = nowSecond - Math.floor(startsAtMs / 1000);
  return sinceOpening >= 1 ? Math.min(RATE_WINDOW_SECONDS, sinceOpening) : RATE_WINDOW_SECONDS;
}

const JOBS_WAITING_CAP = 10_000;

/** Jobs waiting for a worker, all sales together, counted over pg-boss's queued-jobs index and capped. */
async function countJobsWaiting(): Promise<number> {
  const [row] = await getDb().execute<{ n: number }>(sql`
    SELECT count(*)::int AS n FROM (
      SELECT 1 FROM pgboss.job WHERE name = ${PLACE_ORDER} AND state < 'active' LIMIT ${JOBS_WAITING_CAP}
    ) AS waiting`);
  return Number(row?.n ?? 0);
}

/**
 * The live view of one sale. Every read is bounded, whatever the sale's size: the status counters
 * (at most 5 statuses x 16 shards), the activity rows of the last few minutes, a capped count of
 * waiting jobs and of dead letters. No query here touches the orders table.
 */
export async function getSaleStats({ saleId, windowSeconds = 300, now = Date.now() }: { saleId: string; windowSeconds?: number; now?: number }): Promise<SaleStats | undefined> {
  if (!isUuid(saleId)) return undefined;
  const db = getDb();
  // The sale's row and its status counters in one statement, so from one snapshot: allocation changes
  // `remaining` and the orders (so their counters) in one transaction, and read apart in a storm they
  // disagreed (53 sold beside 67 completed).
  const [snapshot] = await db
    .select({
      row: sales,
      countRows: sql<{ status: OrderStatus; n: number }[]>`(
        SELECT coalesce(json_agg(json_build_object('status', c.status, 'n', c.n)), '[]'::json) FROM (
          SELECT ${saleStatusCounts.status} AS status, sum(${saleStatusCounts.n})::int AS n FROM ${saleStatusCounts}
          WHERE ${saleStatusCounts.saleId} = ${sales.id} GROUP BY ${saleStatusCounts.status}
        ) AS c)`,
    })
    .from(sales)
    .where(eq(sales.id, saleId))
    .limit(1);
  if (!snapshot) return undefined;
  const { row, countRows } = snapshot;
  const nowSecond = Math.floor(now / 1000);
  const firstSecond = nowSecond - windowSeconds + 1;

  const [activityRows, lastSale, jobsWaiting, deadLetters] = await Promise.all([
    db
      .select({
        second: saleActivity.second,
        accepted: sql<number>`sum(${saleActivity.accepted})`.mapWith(Number),
        completed: sql<number>`sum(${saleActivity.completed})`.mapWith(Number),
        failed: sql<number>`sum(${saleActivity.failed})`.mapWith(Number),
      })
      .from(saleActivity)
      .where(and(eq(saleActivity.saleId, saleId), gte(saleActivity.second, new Date(firstSecond * 1000))))
      .groupBy(saleActivity.second),
    // The last second a unit was sold: when the sale ran out, if it has.
    row.remaining === 0
      ? db
          .select({ second: sql<Date | null>`max(${saleActivity.second})` })
          .from(saleActivity)
          .where(and(eq(saleActivity.saleId, saleId), gt(saleActivity.completed, 0)))
      : Promise.resolve([]),
    countJobsWaiting(),
    countDeadLetters({ saleId }),
  ]);

  const counts = Object.fromEntries(orderStatus.enumValues.map((s) => [s, 0])) as Record<OrderStatus, number>;
  for (const { status, n } of countRows) counts[status] = n;

  const bySecond = new Map(activityRows.map((r) => [Math.floor(new Date(r.second).getTime() / 1000), r]));
  const series: ActivityPoint[] = [];
  for (let t = firstSecond; t <= nowSecond; t++) {
    const r = bySecond.get(t);
    series.push({ t, accepted: r?.accepted ?? 0, completed: r?.completed ?? 0, failed: r?.failed ?? 0 });
  }
  // The current second is still filling up; rates use the complete seconds before it, and only those
  // since the sale opened (its opening second counted whole): in a storm's first seconds, quiet
  // seconds before the opening would divide its pace down several times over, and its time to sell out up.
  const rateWindowSeconds = rateWindow(row.startsAt.getTime(), nowSecond);
  const recent = series.slice(-rateWindowSeconds - 1, -1);
  const sum = (pick: (p: ActivityPoint) => number) => recent.reduce((total, p) => total + pick(p), 0);
  const rates = {
    accepted: sum((p) => p.accepted) / rateWindowSeconds,
    processed: sum((p) => p.completed + p.failed) / rateWindowSeconds,
    rateWindowSeconds,
  };
  const completedRate = sum((p) => p.completed) / rateWindowSeconds;

  const lastSold = lastSale[0]?.second ? new Date(lastSale[0].second) : null;
  // Sold out within the second of the last sale, so the time is counted to that second's end.
  const soldOutAt = lastSold ? new Date(lastSold.getTime() + 1000) : null;
  const sellOut = {
    soldOutAt: soldOutAt?.toISOString() ?? null,
    secondsToSellOut: soldOutAt ? Math.max(0, Math.round((soldOutAt.getTime() - row.startsAt.getTime()) / 1000)) : null,
    etaSeconds: row.remaining > 0 && completedRate > 0 ? Math.ceil(row.remaining / completedRate) : null,
  };

  return {
    sale: toAdminSale(row, now),
    counts,
    queue: { inLine: counts.pending, jobsWaiting, jobsWaitingCap: JOBS_WAITING_CAP },
    rates,
    series,
    windowSeconds,
    sellOut,
    deadLetters,
    at: new Date(now).toISOString(),
  };
}
