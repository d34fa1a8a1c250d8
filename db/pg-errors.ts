// The database errors the app tells apart, in one place: db/retry.ts runs work again on them, and
// db/log.ts decides how loudly a failed connection is logged.

/** Serialization failure and deadlock: a transaction lost a race and may simply run again. */
export const TX_CONFLICT_SQLSTATES = new Set(["40001", "40P01"]);

/** Postgres closing connections: 57P01 admin shutdown (a stop, `pg_terminate_backend`, a failover),
 * 57P02 crash of another server process, 57P03 cannot connect now (starting up or shutting down). */
export const SHUTDOWN_SQLSTATES = new Set(["57P01", "57P02", "57P03"]);

/** 55P03 lock not available: a statement waited longer than its `lock_timeout` for a lock another
 * transaction holds. Not the database failing, so not retried by db/retry.ts; a request answers 503. */
export const LOCK_TIMEOUT_SQLSTATE = "55P03";

/** Connection failures the app retries: SQLSTATE class 08 (08004: the server rejected the connection),
 * and 53300 too many connections (the server's `max_connections`, or a role's connection limit, is
 * reached: other clients, or processes started beside `npm start`'s, hold the slots for a moment). */
export const CONNECTION_SQLSTATES = new Set(["08000", "08001", "08003", "08004", "08006", "53300"]);

/** A connection refused, reset, closed, timed out or not routed, or the database's host name not
 * resolved for a moment: Node's and postgres.js's own codes (SOCKET_TIMEOUT: closed by the app as dead
 * after PG_SOCKET_TIMEOUT without a word from the server, db/client.ts). */
export const CONNECTION_CLIENT_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "SOCKET_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/** The fields of an error (or a plain object pg-boss emits as one) the checks above read. */
export type ErrorLike = { code?: unknown; message?: unknown; cause?: unknown };

// Drizzle wraps the driver's error once and pg-boss may wrap that again; a chain deeper than this is
// not one the app made, and a chain that loops back on itself (a.cause = b, b.cause = a) ends here too.
const MAX_CAUSE_DEPTH = 8;

/** The first error in `err`'s chain of causes, `err` itself first, that `test` accepts. */
export function findInCauseChain<T extends ErrorLike>(err: unknown, test: (e: ErrorLike) => e is T): T | undefined;
export function findInCauseChain(err: unknown, test: (e: ErrorLike) => boolean): ErrorLike | undefined;
export function findInCauseChain(err: unknown, test: (e: ErrorLike) => boolean): ErrorLike | undefined {
  let current = err;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH; depth++) {
    if (!current || typeof current !== "object") return undefined;
    const e = current as ErrorLike;
    if (test(e)) return e;
    current = e.cause;
  }
  return undefined;
}
