import type { ZodType } from "zod";
import { AppError } from "@/db/errors";
import { DeadlineExceeded, REQUEST_DEADLINE_MS, withDeadline } from "@/db/deadline";
import { detached } from "@/db/detached";
import { log, shutdownLevel } from "@/db/log";
import { plainIssue } from "@/db/plain-issues";
import { errorCode, isLockTimeout, isTransientDbError } from "@/db/retry";
import { refuseCrossSite } from "./origin";

export const MAX_BODY_BYTES = 16 * 1024;

type Handler<C> = (req: Request, ctx: C) => Promise<Response>;

/**
 * Wraps a route handler: refuses cross-site writes; an AppError becomes its JSON answer; a database
 * that is down or restarting is a quick 503 the client may retry, and one that stopped answering a
 * 503 after REQUEST_DEADLINE_MS; anything else is logged and a 500. `onAnswer` and `onError` see the
 * answer the client got, once, with the seconds it took: a handler that outlives its deadline goes on
 * (its work may still commit), but what it returns then is nobody's answer.
 */
export function route<C>(handler: Handler<C>, hooks: { onAnswer?: (res: Response, seconds: number) => void; onError?: (err: AppError, seconds: number) => void } = {}): Handler<C> {
  return async (req, ctx) => {
    const startedAt = performance.now();
    const seconds = () => (performance.now() - startedAt) / 1000;
    try {
      refuseCrossSite(req);
      const res = await withDeadline(handler(req, ctx));
      hooks.onAnswer?.(res, seconds());
      if (log.isLevelEnabled("debug")) log.debug({ method: req.method, path: new URL(req.url).pathname, status: res.status }, "request");
      return res;
    } catch (err) {
      const appError =
        err instanceof AppError ? err : err instanceof DeadlineExceeded || isTransientDbError(err) || isLockTimeout(err) ? unavailable(err, req) : internalError(err, req);
      hooks.onError?.(appError, seconds());
      if (log.isLevelEnabled("debug")) log.debug({ method: req.method, path: new URL(req.url).pathname, status: appError.status, code: appError.code }, "request");
      return appError.toResponse();
    }
  };
}

const ROUTE_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
type RouteMethod = (typeof ROUTE_METHODS)[number];

/**
 * Answers for the methods a route does not have: 405 `method_not_allowed` in the contract's JSON shape
 * with an `Allow` header, where Next.js would send an empty 405; and OPTIONS, 204 with the same `Allow`
 * (Next.js's own OPTIONS would name every method the file exports, these 405s included). A route file
 * exports them beside its own, through the same wrapper as its own (so an admin route still answers 401
 * first): `export const { DELETE, OPTIONS, PATCH, PUT } = otherMethods(["GET", "POST"]);`.
 * `app/methods.test.ts` checks that every route answers all six and that its `Allow` names exactly the
 * methods it has.
 */
export function otherMethods(
  allowed: RouteMethod[],
  wrap: (handler: Handler<unknown>) => Handler<unknown> = route,
): Record<RouteMethod | "OPTIONS", Handler<unknown>> {
  // Next.js answers HEAD with a route's GET.
  const allow = [...allowed, ...(allowed.includes("GET") ? ["HEAD"] : []), "OPTIONS"].sort().join(", ");
  const answer = wrap(async (req) => {
    throw new AppError("method_not_allowed", `This endpoint does not answer ${req.method}; it answers ${allowed.join(", ")}.`, { allow });
  });
  const options = wrap(async () => new Response(null, { status: 204, headers: { allow } }));
  return { ...(Object.fromEntries(ROUTE_METHODS.map((method) => [method, answer])) as Record<RouteMethod, Handler<unknown>>), OPTIONS: options };
}

function internalError(err: unknown, req: Request): AppError {
  log.error({ err, method: req.method, path: new URL(req.url).pathname }, "unhandled error");
  return new AppError("internal_error", "Something went wrong on our side. Please try again.");
}

function unavailable(err: unknown, req: Request): AppError {
  // A lock wait cut short (another transaction holds a row this request needs) is not an outage:
  // an operator reading the logs looks for the holder, not for a database that went away.
  const fields = { ...(err instanceof DeadlineExceeded ? {} : { code: errorCode(err) }), method: req.method, path: new URL(req.url).pathname };
  if (isLockTimeout(err)) log.warn(fields, "database lock wait timed out");
  else outageLine(err instanceof DeadlineExceeded ? `no answer from the database within ${REQUEST_DEADLINE_MS / 1000} s` : "database unavailable", fields, err);
  return new AppError("unavailable", "The service is briefly unavailable. Please try again in a moment.", { retryAfterSeconds: 2 });
}

// While the database is down or silent every request meets it, and a storm's Buys were a warn line
// each (hundreds a second, synchronous I/O on the hot path, as rejections are never logged). The first
// request is a line at once; the others are counted and written as one line with their count every
// OUTAGE_SUMMARY_MS while they keep coming. Kept on globalThis: each route bundle has its own copy
// of this module.
const OUTAGE_SUMMARY_MS = 5000;
type OutageCount = { count: number; codes: Map<string, number>; err?: unknown };
const outages = ((globalThis as unknown as { __flashSaleOutageLines?: Map<string, OutageCount> }).__flashSaleOutageLines ??= new Map());

// At warn, unless this process is stopping and the failure is its database going with it (Ctrl-C stops
// Postgres beside the app): then info, as every other line a stop explains (db/log.ts, shutdownLevel).
// The line carries the error's code, not the error, so its level is chosen here.
const outageLevel = (err: unknown) => shutdownLevel(err) ?? "warn";

function outageLine(line: string, fields: { code?: string; method: string; path: string }, err: unknown): void {
  const counted = outages.get(line);
  if (counted) {
    counted.count++;
    counted.err = err;
    if (fields.code) counted.codes.set(fields.code, (counted.codes.get(fields.code) ?? 0) + 1);
    return;
  }
  log[outageLevel(err)](fields, line);
  outages.set(line, { count: 0, codes: new Map() });
  const summarize = () => {
    const now = outages.get(line)!;
    if (now.count === 0) return void outages.delete(line);
    log[outageLevel(now.err)]({ requests: now.count, ...(now.codes.size > 0 ? { codes: Object.fromEntries(now.codes) } : {}), windowSeconds: OUTAGE_SUMMARY_MS / 1000 }, line);
    outages.set(line, { count: 0, codes: new Map() });
    schedule();
  };
  // Not tied to the request that started it (db/detached.ts).
  const schedule = () => detached(() => setTimeout(summarize, OUTAGE_SUMMARY_MS).unref());
  schedule();
}

/**
 * Reads a request body of at most 16 KiB: the declared Content-Length is checked first, then the
 * bytes actually received, and reading stops at the limit. An empty body is `undefined`.
 */
export async function readBody(req: Request, maxBytes: number = MAX_BODY_BYTES): Promise<string | undefined> {
  const length = req.headers.get("content-length");
  // A declared empty body (what a bodiless POST from fetch sends) is not read at all: opening the
  // request's stream costs more than the rest of a sold-out answer.
  if (length === "0" && !req.headers.has("transfer-encoding")) return undefined;
  const declared = Number(length);
  if (length !== null && Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  if (!req.body) return undefined;
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  if (size === 0) return undefined;
  const bytes = Buffer.concat(chunks, size);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new AppError("invalid_json", "The request body is not valid UTF-8.");
  }
}

function tooLarge(maxBytes: number): AppError {
  return new AppError("payload_too_large", `The request body is larger than ${maxBytes / 1024} KiB.`);
}

/**
 * The body as a JSON object. `allowEmpty` accepts no body at all (as `{}`). Anything else that is
 * not a JSON object (invalid JSON, an array, a scalar) is a 400 with the contract's code.
 */
export async function readJsonObject(req: Request, { allowEmpty = false }: { allowEmpty?: boolean } = {}): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text === undefined || text.trim() === "") {
    if (allowEmpty) return {};
    throw new AppError("invalid_request", "The request needs a JSON object body.");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // A JSON object is read whatever the Content-Type says (`fetch` with a string body sends text/plain,
    // `curl -d` a form type); the header only explains a body that does not parse: a form post is told
    // to send JSON, not that its JSON is broken.
    const type = req.headers.get("content-type") ?? "";
    if (type && !/^application\/([\w.+-]*\+)?json\b/i.test(type)) {
      throw new AppError("invalid_request", "Send the body as a JSON object (Content-Type: application/json).");
    }
    throw new AppError("invalid_json", "The request body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AppError("invalid_request", "The request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

/**
 * The URL's query read with `schema` (empty values count as absent), or 400 `invalid_request` naming
 * every problem: what a list route accepts, and nothing else.
 */
export function readQuery<T>(req: Request, schema: ZodType<T>): T {
  const entries = [...new URL(req.url).searchParams].filter(([, value]) => value !== "");
  const params = Object.fromEntries(entries);
  // A parameter given twice (`status=completed&status=shipped`) is not narrowed to one of its values.
  const repeated = Object.keys(params).filter((name) => entries.filter(([key]) => key === name).length > 1);
  if (repeated.length > 0) throw new AppError("invalid_request", repeated.map((name) => `${name}: must be given once`).join("; "));
  const parsed = schema.safeParse(params, { error: plainIssue });
  if (!parsed.success) throw new AppError("invalid_request", describeIssues(parsed.error.issues));
  return parsed.data;
}

/** A zod-style issue list as one readable sentence. */
export function describeIssues(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues.map((i) => (i.path.length ? `${i.path.map(String).join(".")}: ${i.message}` : i.message)).join("; ");
}
