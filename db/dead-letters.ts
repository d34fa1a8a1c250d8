import { sql } from "drizzle-orm";
import { BOSS_SCHEMA, webBoss } from "@/jobs/boss";
import { deadLetterQueues, PLACE_ORDER_DEAD } from "@/jobs/queues";
import { getDb } from "./client";
import { AppError } from "./errors";
import { isUuid } from "./ids";

// Dead letters are pg-boss jobs waiting in the dead-letter queues (nothing works those queues), with
// the failed job's provenance: source queue, retries used, last error. Listing reads pg-boss's job
// table directly, newest first with a LIMIT; retry goes through pg-boss's own API, discard deletes the
// job itself, in one transaction with what that means for its order.

const queueNames = deadLetterQueues.map((q) => q.name);
const COUNT_CAP = 10_000;

export type DeadLetter = {
  id: string;
  /** The queue the job failed on. */
  queue: string;
  deadLetterQueue: string;
  payload: Record<string, unknown>;
  error: string;
  reason: string | null;
  /** Tries the job had before it was given up on (the first run and its retries). */
  attempts: number;
  deadAt: string;
  firstQueuedAt: string | null;
};

type Row = {
  id: string;
  name: string;
  data: Record<string, unknown> | null;
  source_name: string | null;
  source_retry_count: number | null;
  source_output: Record<string, unknown> | null;
  source_created_on: Date | null;
  created_on: Date;
};

/**
 * What a dead letter's job failed with. The worker's own failures carry `{reason, message}`; a job whose
 * handler threw (a batch's allocation failing outright) carries pg-boss's copy of the error, stack and
 * all: its reason is "error", as the worker's log line for it says.
 */
function describeError(output: Record<string, unknown> | null): { error: string; reason: string | null } {
  const message = typeof output?.message === "string" ? output.message : output ? JSON.stringify(output).slice(0, 500) : "no error was recorded";
  const reason = typeof output?.reason === "string" ? output.reason : typeof output?.stack === "string" ? "error" : null;
  return { error: message, reason };
}

function toDeadLetter(row: Row): DeadLetter {
  const source = deadLetterQueues.find((q) => q.name === row.name)?.source ?? row.name;
  return {
    id: row.id,
    queue: row.source_name ?? source,
    deadLetterQueue: row.name,
    payload: row.data ?? {},
    ...describeError(row.source_output),
    attempts: (row.source_retry_count ?? 0) + 1,
    deadAt: new Date(row.created_on).toISOString(),
    firstQueuedAt: row.source_created_on ? new Date(row.source_created_on).toISOString() : null,
  };
}

/** The newest dead letters of every queue, optionally only those about one sale; `total` is capped. */
export async function listDeadLetters({ saleId, limit = 100 }: { saleId?: string; limit?: number } = {}): Promise<{ deadLetters: DeadLetter[]; total: number }> {
  const bySale = saleId ? sql`AND data->>'saleId' = ${saleId}` : sql``;
  const [rows, total] = await Promise.all([
    getDb().execute<Row>(sql`
      SELECT id, name, data, source_name, source_retry_count, source_output, source_created_on, created_on
      FROM ${sql.identifier(BOSS_SCHEMA)}.job
      WHERE name = ANY(${sql.param(queueNames)}::text[]) AND state < 'active' ${bySale}
      ORDER BY created_on DESC, id
      LIMIT ${limit}`),
    countDeadLetters({ saleId }),
  ]);
  return { deadLetters: [...rows].map(toDeadLetter), total };
}

/** How many dead letters wait (about one sale, if given), counting at most 10,000. */
export async function countDeadLetters({ saleId }: { saleId?: string } = {}): Promise<number> {
  const bySale = saleId ? sql`AND data->>'saleId' = ${saleId}` : sql``;
  const [row] = await getDb().execute<{ n: number }>(sql`
    SELECT count(*)::int AS n FROM (
      SELECT 1 FROM ${sql.identifier(BOSS_SCHEMA)}.job WHERE name = ANY(${sql.param(queueNames)}::text[]) AND state < 'active' ${bySale} LIMIT ${COUNT_CAP}
    ) AS waiting`);
  return Number(row?.n ?? 0);
}

/** How many dead letters wait in each dead-letter queue (every queue named, 0 included), counting at most 10,000 each. */
export async function countDeadLettersByQueue(): Promise<Map<string, number>> {
  const rows = await getDb().execute<{ name: string; n: number }>(sql`
    SELECT q.name, (
      SELECT count(*)::int FROM (
        SELECT 1 FROM ${sql.identifier(BOSS_SCHEMA)}.job WHERE name = q.name AND state < 'active' LIMIT ${COUNT_CAP}
      ) AS waiting
    ) AS n
    FROM unnest(${sql.param(queueNames)}::text[]) AS q(name)`);
  return new Map([...rows].map((r) => [r.name, Number(r.n)]));
}

const notFound = () => new AppError("dead_letter_not_found", "There is no dead letter with this id; it may have been retried or discarded already.");

async function findDeadLetterQueue(id: string): Promise<string> {
  if (isUuid(id)) {
    const boss = await webBoss();
    for (const queue of queueNames) {
      const [job] = await boss.findJobs(queue, { id, queued: true });
      if (job) return queue;
    }
  }
  throw notFound();
}

/** Sends the job back to the queue it failed on, with its retries renewed. */
export async function retryDeadLetter({ id }: { id: string }): Promise<{ queue: string }> {
  const deadLetterQueue = await findDeadLetterQueue(id);
  const moved = await (await webBoss()).redrive(deadLetterQueue, { ids: [id], limit: 1 });
  if (moved === 0) throw new AppError("dead_letter_not_found", "This dead letter was retried or discarded meanwhile.");
  return { queue: deadLetterQueues.find((q) => q.name === deadLetterQueue)!.source };
}

/** Why an order failed when the admin gave up on its allocation: its dead letter was discarded. */
const ALLOCATION_FAILED = "allocation_failed";

/**
 * Deletes the dead letter for good. An allocation's dead letter holds an order that is still in line,
 * so discarding it fails that order (`allocation_failed`), in the same transaction: the shopper gets a
 * final answer and the order stops counting against the sale's line. Its unit was never taken, so
 * `remaining` is unchanged. Answers whether an order was failed.
 */
export async function discardDeadLetter({ id }: { id: string }): Promise<{ failedOrderId: string | null }> {
  if (!isUuid(id)) throw notFound();
  return getDb().transaction(async (tx) => {
    // One statement finds and deletes it, whichever dead-letter queue holds it.
    const [job] = await tx.execute<{ queue: string; order_id: string | null }>(sql`
      DELETE FROM ${sql.identifier(BOSS_SCHEMA)}.job WHERE name = ANY(${sql.param(queueNames)}::text[]) AND id = ${id} AND state < 'active'
      RETURNING name AS queue, data->>'orderId' AS order_id`);
    if (!job) throw notFound();
    if (job.queue !== PLACE_ORDER_DEAD || !job.order_id || !isUuid(job.order_id)) return { failedOrderId: null };
    const [order] = await tx.execute<{ id: string }>(sql`
      UPDATE orders SET status = 'failed', failure_reason = ${ALLOCATION_FAILED}, updated_at = now()
      WHERE id = ${job.order_id} AND status = 'pending'
      RETURNING id`);
    return { failedOrderId: order?.id ?? null };
  });
}
