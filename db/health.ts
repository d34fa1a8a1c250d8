import { sql } from "drizzle-orm";
import { PLACE_ORDER } from "@/jobs/queues";
import { getDb, setLocalLockTimeout } from "./client";

// A health check must answer fast even when the database does not: it gives up after this long.
const TIMEOUT_MS = 1500;

// And its query gives up on a lock sooner: the queue's table locked whole (an operator's migration, a
// VACUUM FULL) would otherwise keep each check's query waiting in Postgres after the check answered,
// its pool connection with it, until a balancer's checks had taken every connection of the process.
const LOCK_TIMEOUT_MS = 1_000;

const holder = globalThis as unknown as { __flashSaleDraining?: boolean };

/** Marks this process as shutting down: health answers 503 so a balancer stops sending it work. */
export function markDraining(): void {
  holder.__flashSaleDraining = true;
}

export function isDraining(): boolean {
  return holder.__flashSaleDraining === true;
}

/**
 * Undefined when healthy, else what is wrong. One cheap read in a short transaction: Postgres
 * answers, and the order queue exists in pg-boss's schema (and is not locked for longer than a second).
 */
export async function checkHealth(): Promise<string | undefined> {
  if (isDraining()) return "This server is shutting down.";
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), TIMEOUT_MS);
  });
  try {
    const answer = await Promise.race([
      getDb().transaction(async (tx) => {
        await tx.execute(sql.raw(setLocalLockTimeout(LOCK_TIMEOUT_MS)));
        return tx.execute<{ ok: number }>(sql`SELECT 1 AS ok FROM pgboss.queue WHERE name = ${PLACE_ORDER}`);
      }),
      timeout,
    ]);
    if (answer === "timeout") return `The database did not answer within ${TIMEOUT_MS} ms.`;
    if (answer.length === 0) return "The order queue does not exist.";
    return undefined;
  } catch {
    return "The database or the queue is not answering.";
  } finally {
    clearTimeout(timer);
  }
}
