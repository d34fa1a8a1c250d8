import pino from "pino";

// JSON lines on stdout; INFO by default. Cookies and credentials never reach a log line: fields named
// like them are censored, a URL's password and a `password=` pair are masked in every string, and an
// error is logged compactly (type, message, code, a few stack frames at error level), never with the
// properties a driver hangs on it: a pg client and its secret key, a query's parameters, the `input`
// of a URL that did not parse. A warning or error whose failure an orderly shutdown explains (see
// isShutdownError) is written at info: Ctrl-C stops Postgres together with the app, and that is no fault.

// Long enough for a configuration error naming several variables; a query text is cut here.
const MAX_MESSAGE = 1000;
const STACK_FRAMES = 5;
// The only properties of an error that reach a log line besides its type and message.
const ERROR_FIELDS = ["code", "syscall", "address", "port", "queue"] as const;
// Fields that hold an error when they hold an object, whatever its shape (pg-boss emits some as plain objects).
const ERROR_KEYS = new Set(["err", "error", "cause"]);
const MAX_DEPTH = 3;

const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):\S*@/gi;
const PASSWORD_PAIR = /\b(password|passwd|pwd)(\s*=\s*)("[^"]*"|'[^']*'|[^\s&;,]+)/gi;

/** The text with the password of every URL (scheme://user:password@…) and of `password=…` masked. */
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
  if (withStack && typeof err.stack === "string") {
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

/** Marks this process as stopping: from now on a connection that fails is logged at info. */
export function markStopping(): void {
  holder.__flashSaleStopping = true;
}

// Postgres closing connections because it is shutting down (admin or crash) or cannot take them yet.
const SHUTDOWN_SQLSTATES = new Set(["57P01", "57P02", "57P03"]);
// A connection refused, reset or closed (Node's, postgres.js's and pg's codes; SQLSTATE class 08).
const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT"]);
// pg reports a connection that ended under it without a code.
const CONNECTION_MESSAGES = /connection terminated|connection ended|terminating connection/i;

function someInChain(err: unknown, test: (e: { code?: unknown; message?: unknown }) => boolean, depth = 0): boolean {
  if (!err || typeof err !== "object" || depth > MAX_DEPTH) return false;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown };
  return test(e) || (e.cause !== undefined && e.cause !== err && someInChain(e.cause, test, depth + 1));
}

const isPostgresShutdown = (e: { code?: unknown }) => typeof e.code === "string" && SHUTDOWN_SQLSTATES.has(e.code);
const isConnectionFailure = (e: { code?: unknown; message?: unknown }) =>
  isPostgresShutdown(e) ||
  (typeof e.code === "string" && (CONNECTION_CODES.has(e.code) || e.code.startsWith("08"))) ||
  (typeof e.message === "string" && CONNECTION_MESSAGES.test(e.message));

/**
 * Whether `err` is the expected result of an orderly shutdown: Postgres closing connections as it
 * shuts down (57P01, 57P02, 57P03), or, once this process is stopping, any connection that fails.
 */
export function isShutdownError(err: unknown): boolean {
  return someInChain(err, holder.__flashSaleStopping === true ? isConnectionFailure : isPostgresShutdown);
}

/** Whether the fields of a log call carry an error that shutting down explains. */
function isShutdownFailure(first: unknown): boolean {
  if (first instanceof Error) return isShutdownError(first);
  if (first === null || typeof first !== "object") return false;
  return Object.entries(first).some(([key, value]) => ERROR_KEYS.has(key) && isShutdownError(value));
}

/** LOG_LEVEL when pino knows it; anything else logs at info, and config() names LOG_LEVEL as invalid. */
function levelFrom(value: string | undefined): string {
  return value !== undefined && (value === "silent" || Object.hasOwn(pino.levels.values, value)) ? value : "info";
}

export const log = pino({
  level: levelFrom(process.env.LOG_LEVEL),
  base: { pid: process.pid, role: process.env.FLASH_ROLE ?? "web" },
  redact: { paths: ["password", "*.password", "cookie", "*.cookie", "headers.cookie", "secret"], censor: "[redacted]" },
  serializers: { err: (value: unknown) => compactError(value, true) },
  hooks: {
    // Every call is cleaned before pino sees it: errors made compact (with stack frames only at
    // error and fatal), secrets masked in the message and in string fields.
    logMethod(args, method, level) {
      const [first, ...rest] = args as unknown[];
      // Warnings and errors only: a fatal line says why a process could not start, whatever the cause.
      if ((level === 40 || level === 50) && isShutdownFailure(first)) return (this.info as (...a: unknown[]) => void).apply(this, args);
      const withStack = level >= 50;
      const tail = rest.map((a) => (typeof a === "string" ? redactSecrets(a) : a));
      let head: unknown = first;
      if (typeof first === "string") head = redactSecrets(first);
      else if (first instanceof Error) head = { err: compactError(first, withStack) };
      else if (first !== null && typeof first === "object") head = sanitizeFields(first, withStack, 0);
      return (method as (...a: unknown[]) => void).apply(this, [head, ...tail]);
    },
  },
});

