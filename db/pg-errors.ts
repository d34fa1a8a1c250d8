// The database errors the app tells apart, in one place: db/retry.ts runs work again on them, and
// db/log.ts decides how loudly a failed connection is logged.

/** Serialization failure and deadlock: a transaction lost a race and may simply run again. */
export const TX_CONFLICT_SQLSTATES = new Set(["40001", "40P01"]);

/** Postgres closing connections: 57P01 admin shutdown (a stop, `pg_terminate_backend`, a failover),
 * 57P02 crash of another server process, 57P03 cannot connect now (starting up or shutting down). */
export const SHUTDOWN_SQLSTATES = new Set(["57P01", "57P02", "57P03"]);

/** Connection failures of SQLSTATE class 08 the app retries. */
export const CONNECTION_SQLSTATES = new Set(["08000", "08001", "08003", "08006"]);

/** A connection refused, reset or closed: Node's and postgres.js's own codes. */
export const CONNECTION_CLIENT_CODES = new Set(["CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT", "ECONNREFUSED", "ECONNRESET", "EPIPE"]);
