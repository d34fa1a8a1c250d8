import { and, gt, gte, sql } from "drizzle-orm";
import { workerMetrics } from "./schema";

/**
 * The `worker_metrics` rows of live workers: written within `seconds`, and since this Postgres started.
 * A row from before it started is a worker that stopped with it: Ctrl-C in `npm start` stops Postgres
 * together with the workers, so a worker's removal of its own row seldom lands, and the next start
 * would show the dead worker's series and count its drain rate until the row aged out. A live worker
 * writes its row again within a couple of seconds of the database coming back.
 */
export function isLiveWorkerRow(seconds: number) {
  return and(gt(workerMetrics.updatedAt, sql`now() - make_interval(secs => ${seconds})`), gte(workerMetrics.updatedAt, sql`pg_postmaster_start_time()`));
}
