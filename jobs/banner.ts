import type { Config } from "@/db/config";

/**
 * The settings `npm start` prints once the app runs: every variable of the README's Configuration table
 * with the value in force, its default when unset. Secrets show only whether they were set; DATABASE_URL
 * has a line of its own (without its password), printed by the caller.
 */
export function settingsLines(cfg: Config): string[] {
  const fromEnv = (value: string | undefined, unset: string) => (value ? "(from env)" : unset);
  return [
    `  Settings: PORT=${cfg.PORT} HOST=${cfg.HOST} WORKERS=${cfg.WORKERS} DATA_DIR=${cfg.DATA_DIR} LOG_LEVEL=${cfg.LOG_LEVEL}` +
      ` ORDER_BACKLOG_MAX=${cfg.ORDER_BACKLOG_MAX ?? "auto"} ADMIN_PASSWORD=${fromEnv(cfg.ADMIN_PASSWORD, "(generated)")}` +
      ` SESSION_SECRET=${fromEnv(cfg.SESSION_SECRET, "(generated)")}`,
    `  Admission: ORDER_ADMISSION_SLACK=${cfg.ORDER_ADMISSION_SLACK} RATE_LIMIT_SHOPPER_PER_SECOND=${cfg.RATE_LIMIT_SHOPPER_PER_SECOND}` +
      ` RATE_LIMIT_SHOPPER_BURST=${cfg.RATE_LIMIT_SHOPPER_BURST} RATE_LIMIT_IP_PER_SECOND=${cfg.RATE_LIMIT_IP_PER_SECOND}` +
      ` RATE_LIMIT_IP_BURST=${cfg.RATE_LIMIT_IP_BURST} RATE_LIMIT_LOGIN_PER_MINUTE=${cfg.RATE_LIMIT_LOGIN_PER_MINUTE}` +
      ` TRUST_PROXY=${cfg.TRUST_PROXY ? 1 : 0} KEEP_ALIVE_TIMEOUT_MS=${cfg.KEEP_ALIVE_TIMEOUT_MS}` +
      ` METRICS_TOKEN=${fromEnv(cfg.METRICS_TOKEN, "(unset: /api/metrics is open)")}`,
    // Unset PG_POOL_MAX lets each process size its own pool (db/client.ts).
    `  Tuning: PG_POOL_MAX=${cfg.PG_POOL_MAX ?? "(10 web, 4 each worker)"} PG_CONNECT_TIMEOUT=${cfg.PG_CONNECT_TIMEOUT}` +
      ` PG_SOCKET_TIMEOUT=${cfg.PG_SOCKET_TIMEOUT === 0 ? "0 (off)" : cfg.PG_SOCKET_TIMEOUT} ADMISSION_TX_MAX=${cfg.ADMISSION_TX_MAX}` +
      ` ADMISSION_BATCH_MAX=${cfg.ADMISSION_BATCH_MAX} WORKER_BATCH_SIZE=${cfg.WORKER_BATCH_SIZE} WORKER_LINGER_MS=${cfg.WORKER_LINGER_MS}` +
      ` WORKER_CONCURRENCY=${cfg.WORKER_CONCURRENCY} WORKER_WAKE_MS=${cfg.WORKER_WAKE_MS}`,
  ];
}
