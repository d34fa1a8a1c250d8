import { AppError } from "@/db/errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses a state-changing request that a browser sent from another site. SameSite=Lax cookies
 * already stay home on cross-site POSTs; this also covers same-site subdomains and old browsers.
 * Clients that are not browsers send neither header and pass.
 */
export function refuseCrossSite(req: Request): void {
  if (SAFE_METHODS.has(req.method)) return;
  const fetchSite = req.headers.get("sec-fetch-site");
  if (fetchSite === "cross-site" || fetchSite === "same-site") throw crossSite();
  const origin = req.headers.get("origin");
  if (origin === null) return;
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host") ?? new URL(req.url).host;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw crossSite();
  }
  if (originHost !== host.split(",")[0]!.trim()) throw crossSite();
}

function crossSite(): AppError {
  return new AppError("forbidden", "Requests from other sites are not accepted.");
}
