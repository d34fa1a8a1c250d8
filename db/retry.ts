import { log } from "./log";
import { CONNECTION_CLIENT_CODES, CONNECTION_SQLSTATES, type ErrorLike, findInCauseChain, LOCK_TIMEOUT_SQLSTATE, SHUTDOWN_SQLSTATES, TX_CONFLICT_SQLSTATES } from "./pg-errors";

// Worth another try: serialization failure, deadlock, and the server shutting down or refusing
// connections for a moment. postgres.js names its own connection failures.
const transientSqlStates = new Set([...TX_CONFLICT_SQLSTATES, ...SHUTDOWN_SQLSTATES, ...CONNECTION_SQLSTATES]);

const hasCode = (e: ErrorLike): e is ErrorLike & { code: string } => typeof e.code === "string";

/** True for failures that say nothing about the request itself: the same work may succeed if repeated. */
export function isTransientDbError(err: unknown): boolean {
  return findInCauseChain(err, (e) => hasCode(e) && (transientSqlStates.has(e.code) || CONNECTION_CLIENT_CODES.has(e.code))) !== undefined;
}

/** The SQLSTATE or client error code of a database error, looking through drizzle's wrapper. */
export function errorCode(err: unknown): string | undefined {
  return findInCauseChain(err, hasCode)?.code;
}

/** A statement gave up waiting for a lock another transaction held (its `lock_timeout`). */
export function isLockTimeout(err: unknown): boolean {
  return findInCauseChain(err, (e) => hasCode(e) && e.code === LOCK_TIMEOUT_SQLSTATE) !== undefined;
}

/** A deadlock or serialization failure: the transaction lost a race and may simply run again. */
export function isTxConflict(err: unknown): boolean {
  return findInCauseChain(err, (e) => hasCode(e) && TX_CONFLICT_SQLSTATES.has(e.code)) !== undefined;
}

/**
 * Runs a whole transaction again when it failed for a transient reason (deadlock, serialization,
 * a dropped connection), with exponential backoff; any other error, or the last one, is thrown.
 */
export async function withTransientRetry<T>(
  what: string,
  work: () => Promise<T>,
  { attempts = 5, baseDelayMs = 50, retryOn = isTransientDbError }: { attempts?: number; baseDelayMs?: number; retryOn?: (err: unknown) => boolean } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (attempt >= attempts || !retryOn(err)) throw err;
      const delay = baseDelayMs * 2 ** (attempt - 1) * (1 + Math.random());
      log.warn({ what, attempt, delayMs: Math.round(delay), code: errorCode(err) }, "transient database error; retrying");
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
