import "./worker-role";
import { onStopSignal } from "./early-signals";
import { closeDb } from "@/db/client";
import { ConfigError } from "@/db/config";
import { log, markStopping, ORDERLY_CLOSE_HOLD_MS, shutdownLevel } from "@/db/log";
import { assertReachable, migrate } from "@/db/migrate";
import { resolveDatabaseUrl } from "@/db/runtime";
import type { PgBoss } from "pg-boss";
import { createBoss } from "./boss";
import { startLostOrderSweep } from "./lost-orders";
import * as orderStatus from "./order-status";
import * as placeOrder from "./place-order";
import { startMetricsPush } from "./worker-metrics";

/** `npm run worker`: drains the order queue into allocation transactions, and applies admins' order
 * status changes, until told to stop. */
async function main(): Promise<void> {
  const running: { boss?: PgBoss; stopMetricsPush?: () => Promise<void>; stopSweep?: () => Promise<void> } = {};
  let isStopping = false;
  const stop = async (signal: string, exitCode = 0) => {
    if (isStopping) return;
    isStopping = true;
    // From here, connections that fail (Postgres may be stopping at the same moment) are logged at info.
    markStopping();
    log.info({ signal }, "worker stopping: finishing the batch in hand");
    // Stops fetching, waits for the handler in flight; a batch still running at the timeout is
    // failed back to the queue, and its allocation either committed or changed nothing. 8 s here and
    // at most 5 s closing the pool stay inside the 15 s `npm start` gives a process before SIGKILL.
    await running.stopSweep?.();
    await running.boss?.stop({ graceful: true, timeout: 8_000 }).catch((err) => log.error({ err }, "stopping pg-boss"));
    await running.stopMetricsPush?.();
    await closeDb();
    log.info("worker stopped");
    process.exit(exitCode);
  };
  // Installed first, so a signal that arrives while the worker is still starting is a clean stop too.
  onStopSignal((signal) => void stop(signal));
  // pg-boss's LISTEN connection can emit Postgres's "terminating connection" after pg-boss stopped
  // listening to it, and an 'error' event nobody listens to is thrown. While the worker stops (Ctrl-C
  // stops Postgres with it) that is expected. Otherwise the database closed the worker's connection
  // under it: it stops and exits 1, for `npm start` or a service manager to start a fresh one, after
  // the second the warning is held for (db/log.ts): Postgres's 57P01 can come just before a Ctrl-C's own
  // SIGINT, and then the stop is that signal's, exit 0, the line at info. Anything else is a fault:
  // logged, exit 1, as Node would.
  process.on("uncaughtException", (err) => {
    const level = shutdownLevel(err);
    if (level === "info") return void log.info({ err }, "a connection closed while the worker stops");
    if (level === "warn") {
      log.warn({ err }, "the database closed the worker's connection; stopping, to be started again");
      // After the held line's own timer (same delay, set first), which writes it as a warning.
      setTimeout(() => void stop("database connection closed", 1), ORDERLY_CLOSE_HOLD_MS);
      return;
    }
    log.fatal({ err }, "worker failed");
    process.exit(1);
  });

  const url = resolveDatabaseUrl();
  if (!url) throw new ConfigError("No database: set DATABASE_URL, or run `npm start`, which starts the embedded one");
  process.env.DATABASE_URL = url;
  // With SKIP_MIGRATE=1 (`npm start`'s workers, started after it migrated) the database is only checked.
  await (process.env.SKIP_MIGRATE === "1" ? assertReachable(url) : migrate(url));
  if (isStopping) return;

  const boss = (running.boss = createBoss("worker"));
  await boss.start();
  if (isStopping) return;
  await boss.work(placeOrder.name, placeOrder.workOptions, placeOrder.batchWorker(boss));
  await boss.work(orderStatus.name, orderStatus.workOptions, orderStatus.handler);
  running.stopMetricsPush = startMetricsPush();
  running.stopSweep = startLostOrderSweep(boss);
  log.info({ queues: [placeOrder.name, orderStatus.name], ...placeOrder.workOptions }, "worker ready");
}

main().catch((err) => {
  // Told to stop while starting (Ctrl-C stops Postgres together with the app): a connection that
  // failed then is the stop's doing, and the stop in progress exits 0.
  if (shutdownLevel(err) === "info") return void log.info({ err }, "worker stopped while starting");
  log.fatal({ err }, "worker failed to start");
  process.exit(1);
});
