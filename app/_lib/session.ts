import { config } from "@/db/config";
import { AppError } from "@/db/errors";
import { isUuid } from "@/db/ids";
import { persistentSecret } from "@/db/secrets";
import { cookieHeader, readCookie, signToken, verifyToken } from "./cookies";

export const SESSION_COOKIE = "flash_session";
const SESSION_TTL_SECONDS = 30 * 24 * 3600;

let secret: string | undefined;
export function sessionSecret(): string {
  secret ??= config().SESSION_SECRET ?? persistentSecret(config().DATA_DIR, "session-secret");
  return secret;
}

/** The signed-in shopper's user id, read from the signed cookie without touching the database. */
export function sessionUserId(req: Request): string | undefined {
  const fields = verifyToken(sessionSecret(), readCookie(req, SESSION_COOKIE), 1);
  const userId = fields?.[0];
  return isUuid(userId) ? userId : undefined;
}

export function requireShopper(req: Request): string {
  const userId = sessionUserId(req);
  if (!userId) throw new AppError("unauthenticated", "Sign in with your email first.");
  return userId;
}

export function sessionCookie(req: Request, userId: string): string {
  return cookieHeader(req, SESSION_COOKIE, signToken(sessionSecret(), [userId], SESSION_TTL_SECONDS), SESSION_TTL_SECONDS);
}

export function clearedSessionCookie(req: Request): string {
  return cookieHeader(req, SESSION_COOKIE, "", 0);
}
