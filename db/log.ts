import pino from "pino";
import { OperatorError } from "./operator-error";
import { CONNECTION_CLIENT_CODES, CONNECTION_SQLSTATES, findInCauseChain, SHUTDOWN_SQLSTATES } from "./pg-errors";

// JSON lines on stdout; INFO by default. Cookies and credentials never reach a log line: fields named
// like them are censored, a URL's password and a `password=` pair are masked in every string, and an
// error is logged compactly (type, message, code, a few stack frames at error level unless it is an
// OperatorError, whose message says it all), never with the
// properties a driver hangs on it: a pg client and its secret key, a query's parameters, the `input`
// of a URL that did not parse. A warning or error whose failure a shutdown explains is written more
// quietly (see shutdownLevel): at info once this process is stopping (Ctrl-C stops Postgres together
// with the app, and that is no fault), at warn when Postgres closes a connection in order meanwhile.

// Long enough for a configuration error naming several variables; a query text is cut here.
const MAX_MESSAGE = 1000;
const STACK_FRAMES = 5;
// The only properties of an error that reach a log line besides its type and message.
const ERROR_FIELDS = ["code", "syscall", "address", "port", "queue"] as const;
// Fields that hold an error when they hold an object, whatever its shape (pg-boss emits some as plain objects).
const ERROR_KEYS = new Set(["err", "error", "cause"]);
const MAX_DEPTH = 3;

const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):\S*@/gi;
// Any key ending in one of these: PGPASSWORD=, sslpassword= (a URL parameter), db_password=.
const PASSWORD_PAIR = /\b(\w*(?:password|passwd|pwd))(\s*=\s*)("[^"]*"|'[^']*'|[^\s&;,]+)/gi;

/** The text with the password of every URL (scheme://user:password@…) and of `password=…` (`PGPASSWORD=…`, …) masked. */
export function redactSecrets(text: string): string {
  return text.replace(URL_PASSWORD, "$1:[redacted]@").replace(PASSWORD_PAIR, "$1$2[redacted]");
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

type LoggedError = {
  type?: string;
  message: string;
  code?: string | number;
  stack?: string;
  cause?: LoggedError;
  errors?: LoggedError[];
  [field: string]: unknown;
};

const compacted = new WeakSet<object>();

/**
 * What a log line says of an error. drizzle's "Failed query: … params: …" message loses its
 * parameters (a worker's metrics push carries 100 KB of JSON there); the cause, where the driver's
 * code is, follows.
 */
function compactError(value: unknown, withStack: boolean, depth = 0): LoggedError {
  if (value === null || typeof value !== "object") return { message: clip(redactSecrets(String(value)), MAX_MESSAGE) };
  if (compacted.has(value)) return value as LoggedError;
  const err = value as Record<string, unknown>;
  const rawMessage = typeof err.message === "string" ? err.message : "";
  const type = value instanceof Error ? value.constructor.name : typeof err.name === "string" ? err.name : undefined;
  const out: LoggedError = { ...(type && type !== "Object" ? { type } : {}), message: clip(redactSecrets(rawMessage.split(/\n\s*params:/)[0]!), MAX_MESSAGE) };
  for (const field of ERROR_FIELDS) {
    const v = err[field];
    if (typeof v === "number" || (typeof v === "string" && v !== "")) out[field] = typeof v === "string" ? clip(redactSecrets(v), 100) : v;
  }
  if (withStack && !(value instanceof OperatorError) && typeof err.stack === "string") {
    const frames = err.stack.split("\n").filter((line) => /^\s+at /.test(line)).slice(0, STACK_FRAMES);
    if (frames.length > 0) out.stack = redactSecrets(frames.map((line) => line.trim()).join("\n"));
  }
  if (depth < MAX_DEPTH && err.cause !== undefined && err.cause !== value) out.cause = compactError(err.cause, false, depth + 1);
  if (depth < MAX_DEPTH && Array.isArray(err.errors)) out.errors = err.errors.slice(0, 3).map((e) => compactError(e, false, depth + 1));
  compacted.add(out);
  return out;
}

const isPlainObject = (v: object) => {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

const isErrorShaped = (v: object) => v instanceof Error || (typeof (v as { message?: unknown }).message === "string" && typeof (v as { stack?: unknown }).stack === "string");

function sanitizeFields(fields: object, withStack: boolean, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = ERROR_KEYS.has(key) && value !== null && typeof value === "object" ? compactError(value, withStack) : sanitizeValue(value, withStack, depth);
  }
  return out;
}

function sanitizeValue(value: unknown, withStack: boolean, depth: number): unknown {
  if (typeof value === "string") return redactSecrets(value);
  if (value === null || typeof value !== "object" || compacted.has(value)) return value;
  if (isErrorShaped(value)) return compactError(value, withStack);
  if (depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => sanitizeValue(v, withStack, depth + 1));
  return isPlainObject(value) ? sanitizeFields(value, withStack, depth + 1) : value;
}

const holder = globalThis as unknown as { __flashSaleStopping?: boolean };

/** Marks this process as stopping: from now on a connection that fails is logged at info, and so
 * are the lines held for a moment (below). */
export function markStopping(): void {
  holder.__flashSaleStopping = true;
  releaseHeldLines();
}

// Ctrl-C signals Postgres and the app's processes at the same instant, and Postgres's 57P01 to each
// connection can reach a process before its own SIGINT does: a warning about a connection Postgres
// closed in order, while this process runs, waits this long before it is written, at info if the
// process has begun stopping meanwhile, as a warning otherwise (a restart or failover under a running
// app, seen a second late). A process that exits with lines still held writes them as it exits.
// Either way a held line carries the time it was logged at, not the time it was written.
export const ORDERLY_CLOSE_HOLD_MS = 1000;
const held = new Map<ReturnType<typeof setTimeout>, () => void>();
let releasing = false;
// While a held line is written: when it was logged (pino's timestamp reads it).
let heldLineTime: number | undefined;

function releaseHeldLines(): void {
  for (const [timer, write] of held) {
    clearTimeout(timer);
    write();
  }
}

// As the process exits: written at once, as every line is (below).
process.prependListener("exit", releaseHeldLines);

// A connection refused, reset, closed or timed out (Node's, postgres.js's and pg's codes; SQLSTATE class
// 08), refused for too many connections (53300), or closed by Postgres as it shuts down. pg reports a connection that ended under it without a
// code, pg-pool one that did not open in time ("Connection terminated due to connection timeout",
// "timeout exceeded when trying to connect"), pg-boss a LISTEN connection that went silent.
const CONNECTION_MESSAGES = /connection terminated|connection ended|terminating connection|timeout exceeded when trying to connect|heartbeat timed out/i;

// 57P02 (another server process crashed) is never ordinary: it stays an error.
const isOrderlyClose = (e: { code?: unknown }) => e.code === "57P01" || e.code === "57P03";
const isConnectionFailureLike = (e: { code?: unknown; message?: unknown }) =>
  (typeof e.code === "string" && (SHUTDOWN_SQLSTATES.has(e.code) || CONNECTION_CLIENT_CODES.has(e.code) || CONNECTION_SQLSTATES.has(e.code) || e.code.startsWith("08"))) ||
  (typeof e.message === "string" && CONNECTION_MESSAGES.test(e.message));

/** A connection refused (too many connections included), reset, terminated or timed out, Postgres shutting down, crashed or starting up, SQLSTATE class 08. */
const isConnectionFailure = (err: unknown) => findInCauseChain(err, isConnectionFailureLike) !== undefined;

/**
 * The database out of reach for a moment, as a pool or pg-boss meets it while Postgres restarts, fails
 * over or hangs: a connection failure (above) that is not a crash of another server process (57P02,
 * which stays an error everywhere). Pools and pg-boss reconnect by themselves; nothing here says the app
 * did anything wrong.
 */
export function isMomentaryConnectionLoss(err: unknown): boolean {
  return isConnectionFailure(err) && findInCauseChain(err, (e) => e.code === "57P02") === undefined;
}

/**
 * How loudly a warning or error about `err` is logged, when a shutdown explains it. Once this process
 * is stopping (markStopping), any failed connection is expected: info (Ctrl-C stops Postgres together
 * with the app). While it runs, Postgres closing a connection in order (57P01: a stop, a failover,
 * `pg_terminate_backend`; 57P03: not accepting connections yet) is worth seeing but is no fault of the
 * app, which reconnects: warn. Anything else (a crash, 57P02, included): undefined, as logged.
 */
export function shutdownLevel(err: unknown): "info" | "warn" | undefined {
  if (holder.__flashSaleStopping === true && isConnectionFailure(err)) return "info";
  return findInCauseChain(err, isOrderlyClose) ? "warn" : undefined;
}

/** The level shutting down gives a log call's fields, when they carry an error it explains. */
function shutdownLevelOf(first: unknown): "info" | "warn" | undefined {
  if (first instanceof Error) return shutdownLevel(first);
  if (first === null || typeof first !== "object") return undefined;
  const levels = Object.entries(first).filter(([key]) => ERROR_KEYS.has(key)).map(([, value]) => shutdownLevel(value));
  return levels.includes("info") ? "info" : levels.includes("warn") ? "warn" : undefined;
}

/** LOG_LEVEL when pino knows it; anything else logs at info, and config() names LOG_LEVEL as invalid. */
function levelFrom(value: string | undefined): string {
  return value !== undefined && (value === "silent" || Object.hasOwn(pino.levels.values, value)) ? value : "info";
}

export const log = pino({
  level: levelFrom(process.env.LOG_LEVEL),
  base: { pid: process.pid, role: process.env.FLASH_ROLE ?? "web" },
  // pino's own epoch time, but for a held line the time it was logged at.
  timestamp: () => `,"time":${heldLineTime ?? Date.now()}`,
  redact: { paths: ["password", "*.password", "cookie", "*.cookie", "headers.cookie", "secret"], censor: "[redacted]" },
  serializers: { err: (value: unknown) => compactError(value, true) },
  hooks: {
    // Every call is cleaned before pino sees it: errors made compact (with stack frames only at
    // error and fatal), secrets masked in the message and in string fields.
    logMethod(args, method, level) {
      const [first, ...rest] = args as unknown[];
      // Warnings and errors only: a fatal line says why a process could not start, whatever the cause.
      const quieter = level === 40 || level === 50 ? shutdownLevelOf(first) : undefined;
      if (quieter === "warn" && !releasing) {
        const loggedAt = Date.now();
        const write = () => {
          held.delete(timer);
          releasing = true;
          heldLineTime = loggedAt;
          try {
            // Through the hook again, which judges the level as things stand now.
            (this[pino.levels.labels[level] as "warn" | "error"] as (...a: unknown[]) => void).apply(this, args);
          } finally {
            releasing = false;
            heldLineTime = undefined;
          }
        };
        const timer = setTimeout(write, ORDERLY_CLOSE_HOLD_MS);
        timer.unref();
        held.set(timer, write);
        return;
      }
      if (quieter && pino.levels.values[quieter]! < level) return (this[quieter] as (...a: unknown[]) => void).apply(this, args);
      const withStack = level >= 50;
      const tail = rest.map((a) => (typeof a === "string" ? redactSecrets(a) : a));
      let head: unknown = first;
      if (typeof first === "string") head = redactSecrets(first);
      else if (first instanceof Error) head = { err: compactError(first, withStack) };
      else if (first !== null && typeof first === "object") head = sanitizeFields(first, withStack, 0);
      return (method as (...a: unknown[]) => void).apply(this, [head, ...tail]);
    },
  },
  // Written synchronously: a line is on stdout, in the order logged, when the call returns. pino's
  // default stream writes on libuv's thread pool and, at exit, writes what it has buffered without
  // waiting for the write in flight, so a process's last lines (a stop, a held warning) could come out
  // of order, or never, when the pool was busy. The cost: a log reader that stops reading holds the
  // process up, as it would hold up Node's own console on a pipe. At info a running app logs little;
  // each request's line is at debug.
}, pino.destination({ dest: 1, sync: true }));

