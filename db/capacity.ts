import type { Config } from "./config";
import { connectTo } from "./connection-url";
import { OperatorError } from "./operator-error";

// The most connections each process opens at once: its app pool, pg-boss's pool, and per role the
// admission statements' own connections (web) or the LISTEN connection that wakes the worker.
const WEB_BOSS_POOL = 2;
const WORKER_BOSS_POOL = 4;
const WORKER_LISTEN = 1;

/** Connections `npm start` (one web process and WORKERS workers) may open to Postgres, at most. */
export function connectionsNeeded(cfg: Pick<Config, "WORKERS" | "PG_POOL_MAX" | "ADMISSION_TX_MAX">): number {
  const web = (cfg.PG_POOL_MAX ?? 10) + cfg.ADMISSION_TX_MAX + WEB_BOSS_POOL;
  const worker = (cfg.PG_POOL_MAX ?? 4) + WORKER_BOSS_POOL + WORKER_LISTEN;
  return web + cfg.WORKERS * worker;
}

/**
 * Fails, naming the settings, when the database allows fewer connections than `npm start` may open:
 * past Postgres's max_connections every new connection is refused ("too many clients"), workers fail
 * to start and restart in a loop, and an operator cannot even connect to look.
 */
export async function assertConnectionCapacity(url: string, cfg: Pick<Config, "WORKERS" | "PG_POOL_MAX" | "ADMISSION_TX_MAX">): Promise<void> {
  const sql = connectTo(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ max: number; reserved: number }[]>`
      SELECT current_setting('max_connections')::int AS max,
             current_setting('superuser_reserved_connections')::int
               + coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved`;
    const allowed = row!.max - row!.reserved;
    const needed = connectionsNeeded(cfg);
    if (needed > allowed) {
      throw new OperatorError(
        `WORKERS=${cfg.WORKERS} with PG_POOL_MAX=${cfg.PG_POOL_MAX ?? "unset (10 web, 4 per worker)"} may open ${needed} connections to Postgres, ` +
          `which allows ${allowed} (max_connections ${row!.max}, ${row!.reserved} reserved): lower WORKERS or PG_POOL_MAX, or raise max_connections.`,
      );
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
