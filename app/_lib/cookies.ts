import { createHmac, timingSafeEqual } from "node:crypto";

/** Reads one cookie from the request's Cookie header. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.get("cookie");
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function mac(secret: string, payload: string): string {
  return createHmac("sha256", secret).update(payload).digest("base64url");
}

/** `payload.mac`, where the payload's fields are joined by dots and the last one is the expiry (unix seconds). */
export function signToken(secret: string, fields: string[], ttlSeconds: number, now: number = Date.now()): string {
  const payload = [...fields, String(Math.floor(now / 1000) + ttlSeconds)].join(".");
  return `${payload}.${mac(secret, payload)}`;
}

/** The fields of a token signed with `secret` that has not expired, else undefined. Constant-time. */
export function verifyToken(secret: string, token: string | undefined, fieldCount: number, now: number = Date.now()): string[] | undefined {
  if (!token || token.length > 512) return undefined;
  const parts = token.split(".");
  if (parts.length !== fieldCount + 2) return undefined;
  const given = Buffer.from(parts.pop()!, "utf8");
  const payload = parts.join(".");
  const expected = Buffer.from(mac(secret, payload), "utf8");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const expires = Number(parts.pop());
  if (!Number.isInteger(expires) || expires * 1000 <= now) return undefined;
  return parts;
}

/** Set-Cookie for an HttpOnly, SameSite=Lax cookie; Secure when the request came over HTTPS. */
export function cookieHeader(req: Request, name: string, value: string, maxAgeSeconds: number, path = "/"): string {
  const isHttps = new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
  return [`${name}=${value}`, `Path=${path}`, `Max-Age=${maxAgeSeconds}`, "HttpOnly", "SameSite=Lax", ...(isHttps ? ["Secure"] : [])].join("; ");
}
