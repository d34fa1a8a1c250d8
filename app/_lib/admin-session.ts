import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { endAdminSession, isLiveAdminSession, startAdminSession } from "@/db/admin-sessions";
import { config } from "@/db/config";
import { AppError } from "@/db/errors";
import { log } from "@/db/log";
import { persistentSecret, readablePassword } from "@/db/secrets";
import { readCookie, signToken, verifyToken } from "./cookies";
import { route } from "./http";
import { pageData } from "./page-data";
import { sessionSecret } from "./session";

// The admin's session: its own cookie, signed like the shopper's, so a shopper session never opens
// an admin door. The token carries a tag of the password, so changing ADMIN_PASSWORD ends every
// admin session at once, and the id of its row in `admin_sessions`, so signing out ends it on the
// server too: a copy of the cookie stops working with it. (The shopper's session needs no such row:
// anyone can sign in as any address, and its check stays off the database on every Buy.)
export const ADMIN_COOKIE = "flash_admin";
const ADMIN_TTL_SECONDS = 12 * 3600;

let password: string | undefined;

/** ADMIN_PASSWORD, or the one `npm start` generated into DATA_DIR and printed. */
export function adminPassword(): string {
  password ??= config().ADMIN_PASSWORD ?? persistentSecret(config().DATA_DIR, "admin-password", readablePassword);
  return password;
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes before they are compared. */
export function isAdminPassword(given: string): boolean {
  return timingSafeEqual(digest(given), digest(adminPassword()));
}

// Keyed with the session secret: the cookie travels in clear, and a plain hash of the password in it
// would let whoever copied one cookie test password guesses offline.
function passwordTag(): string {
  return createHmac("sha256", sessionSecret()).update(`admin-session:${adminPassword()}`, "utf8").digest().subarray(0, 12).toString("base64url");
}

/** A signed, unexpired admin token's fields: `admin.<password tag>.<session id>`. */
function adminToken(token: string | undefined): { tag: string; sessionId: string } | undefined {
  const fields = verifyToken(sessionSecret(), token, 3);
  return fields?.[0] === "admin" ? { tag: fields[1]!, sessionId: fields[2]! } : undefined;
}

/** The admin session a token names, if it is signed, current, of this password and not signed out. */
async function adminSessionOf(token: string | undefined): Promise<string | undefined> {
  const admin = adminToken(token);
  if (admin?.tag !== passwordTag()) return undefined;
  return (await isLiveAdminSession(admin.sessionId)) ? admin.sessionId : undefined;
}

export async function isAdmin(req: Request): Promise<boolean> {
  return (await adminSessionOf(readCookie(req, ADMIN_COOKIE))) !== undefined;
}

export async function requireAdmin(req: Request): Promise<void> {
  if (!(await isAdmin(req))) throw new AppError("unauthenticated", "Sign in as the admin first.");
}

function cookie(req: Request, value: string, maxAgeSeconds: number): string {
  const isHttps = new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
  // Strict: no other site can make the browser send it, not even on a top-level link.
  return [`${ADMIN_COOKIE}=${value}`, "Path=/", `Max-Age=${maxAgeSeconds}`, "HttpOnly", "SameSite=Strict", ...(isHttps ? ["Secure"] : [])].join("; ");
}

/** Starts an admin session: its row, and the cookie that names it. */
export async function adminCookie(req: Request): Promise<string> {
  const id = await startAdminSession(ADMIN_TTL_SECONDS);
  return cookie(req, signToken(sessionSecret(), ["admin", passwordTag(), id], ADMIN_TTL_SECONDS), ADMIN_TTL_SECONDS);
}

/** The Set-Cookie that clears the admin's cookie in this browser. */
export function clearedAdminCookie(req: Request): string {
  return cookie(req, "", 0);
}

/** Ends the request's admin session, if it names one, and answers with the cookie cleared. */
export async function endAdminSessionCookie(req: Request): Promise<string> {
  const admin = adminToken(readCookie(req, ADMIN_COOKIE));
  if (admin) await endAdminSession(admin.sessionId);
  return clearedAdminCookie(req);
}

/**
 * Whether the page being rendered (at `path`) was asked for with the admin session. Its read of the
 * session's row is a page read like any other: under the request deadline, so a database that stops
 * answering gets the page its error view, not a wait without end.
 */
export async function hasAdminSession(path: string): Promise<boolean> {
  const token = (await cookies()).get(ADMIN_COOKIE)?.value;
  return (await pageData(adminSessionOf(token), path)) !== undefined;
}

/** For admin pages: a visitor without the admin session is sent to the sign-in, and back here after. */
export async function requireAdminPage(path: string): Promise<void> {
  if (!(await hasAdminSession(path))) redirect(`/admin/login?next=${encodeURIComponent(path)}`);
}

const mutating = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * An admin API route: the admin session, then the handler (`route()` has already refused a change a
 * browser sent from another site or origin). Every change the admin makes is logged (method, path,
 * answer): what an operator looks for after "who ended this sale?".
 */
export function adminRoute<C>(handler: (req: Request, ctx: C) => Promise<Response>): (req: Request, ctx: C) => Promise<Response> {
  return route(async (req: Request, ctx: C) => {
    await requireAdmin(req);
    if (!mutating.has(req.method)) return handler(req, ctx);
    const path = new URL(req.url).pathname;
    try {
      const res = await handler(req, ctx);
      log.info({ method: req.method, path, status: res.status }, "admin action");
      return res;
    } catch (err) {
      const refusal = err instanceof AppError ? { status: err.status, code: err.code } : { status: 500 };
      log.info({ method: req.method, path, ...refusal }, "admin action refused");
      throw err;
    }
  });
}
