import path from "node:path";
import { z } from "zod";
import { OperatorError } from "./operator-error";
import { plainIssue } from "./plain-issues";

const DATABASE_URL_HELP =
  "is not a valid URL: percent-encode any reserved character in the user name or password (# as %23, @ as %40, / as %2F, : as %3A, ? as %3F)";

/**
 * Whether both Postgres clients (postgres.js for the app, pg for pg-boss) can read the URL: they parse
 * it with the WHATWG URL parser and percent-decode the user name and password. A password with an
 * unencoded '#', say, is not a URL's password but the start of its fragment.
 */
function isValidDatabaseUrl(value: string): boolean {
  try {
    const url = new URL(value);
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
    return true;
  } catch {
    return false;
  }
}

/** Whether a `port` query parameter (libpq's form, db/connection-url.ts), if any, is a port number. */
function hasValidPortParameter(value: string): boolean {
  try {
    const port = new URL(value).searchParams.get("port");
    return port === null || (/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535);
  } catch {
    return true; // the URL itself is reported as invalid
  }
}

/** A whole number in [min, max]. */
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

// Every setting is optional; a bad value fails loudly at start, not on the first request. Messages
// name the variable and the rule, never the value (a DATABASE_URL carries a password).
const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: "must be a postgres:// or postgresql:// URL", abort: true })
    .refine(isValidDatabaseUrl, DATABASE_URL_HELP)
    .refine(hasValidPortParameter, "its port parameter must be a port number (1–65535)")
    .optional(),
  DATA_DIR: z.string().min(1).default(".data"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  // Where the web server listens: 127.0.0.1 (this machine only) unless set, 0.0.0.0 for every interface.
  HOST: z.string().trim().min(1).default("127.0.0.1"),
  ADMIN_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
  SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  WORKERS: z.coerce.number().int().min(0).max(64).default(1),
  ORDER_BACKLOG_MAX: z.coerce.number().int().min(1).optional(),
  // A sale admits at most remaining × (1 + slack) pending orders; the rest are told sold out at once.
  ORDER_ADMISSION_SLACK: z.coerce.number().min(0).max(1000).default(0.1),
  // Token buckets: a steady rate per second plus a burst allowance refilled every 10 s.
  RATE_LIMIT_SHOPPER_PER_SECOND: z.coerce.number().int().min(1).default(5),
  RATE_LIMIT_SHOPPER_BURST: z.coerce.number().int().min(0).default(10),
  RATE_LIMIT_IP_PER_SECOND: z.coerce.number().int().min(1).default(100),
  RATE_LIMIT_IP_BURST: z.coerce.number().int().min(0).default(400),
  RATE_LIMIT_LOGIN_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  // Honour the client address in X-Forwarded-For (its last entry) only behind a proxy that sets it.
  TRUST_PROXY: z.enum(["0", "1", "true", "false"]).default("0").transform((v) => v === "1" || v === "true"),
  // How long an idle keep-alive connection stays open (Node's 5 s unless set). Behind a proxy that
  // keeps its own connections to the app, set it above the proxy's idle timeout.
  KEEP_ALIVE_TIMEOUT_MS: int(1_000, 600_000).default(5_000),
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  // Tuning (README, Configuration). Unset PG_POOL_MAX means 10 in a web process, 4 in a worker.
  PG_POOL_MAX: int(1, 1000).optional(),
  PG_CONNECT_TIMEOUT: z.coerce.number().positive().max(300).default(3),
  // A connection whose query hears nothing from Postgres for this long is closed as dead (db/client.ts,
  // jobs/boss.ts); 0 turns the check off.
  PG_SOCKET_TIMEOUT: z.coerce.number().min(0).max(3600).default(30),
  ADMISSION_TX_MAX: int(1, 64).default(2),
  ADMISSION_BATCH_MAX: int(1, 10_000).default(500),
  WORKER_BATCH_SIZE: int(1, 10_000).default(1000),
  // A slot lingers inside pg-boss's handler, whose jobs expire (and go to another worker) after 15 s
  // (jobs/queues.ts): the cap keeps a lingering batch far from that.
  WORKER_LINGER_MS: int(0, 5_000).default(50),
  WORKER_CONCURRENCY: int(1, 64).default(2),
  WORKER_WAKE_MS: int(0, 60_000).default(20),
});

export type Config = z.infer<typeof schema>;

/** A setting that is missing or wrong; its message names every bad variable. */
export class ConfigError extends OperatorError {
  override name = "ConfigError";
}

let cached: Config | undefined;

/** The settings, checked once per process (the first call); throws naming every bad variable. */
export function config(): Config {
  if (cached) return cached;
  // A variable set to nothing (`WORKERS=` in a shell, or an empty line of a service's environment) is
  // unset, for every setting alike: never a silent 0 for some and an error for others. One set to spaces
  // alone is refused, named: a number read from it would be 0 (`Number(" ")`), its default a guess.
  const settings = Object.entries(process.env).filter(([name, value]) => name in schema.shape && value !== "");
  const blank = settings.filter(([, value]) => value!.trim() === "").map(([name]) => `  ${name}: is only spaces (set it to nothing, or unset it, for its default)`);
  const parsed = schema.safeParse(Object.fromEntries(settings.filter(([, value]) => value!.trim() !== "")), { error: plainIssue });
  const lines = [...blank, ...(parsed.success ? [] : parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`))];
  if (!parsed.success || lines.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  cached = { ...parsed.data, DATA_DIR: path.resolve(parsed.data.DATA_DIR) };
  return cached;
}

/** Read live, not from the cached config: `npm start` and the tests set it after start-up. */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new ConfigError("DATABASE_URL is not set: start the app with `npm start`, which provides one");
  if (!isValidDatabaseUrl(url)) throw new ConfigError(`DATABASE_URL ${DATABASE_URL_HELP}`);
  return url;
}
