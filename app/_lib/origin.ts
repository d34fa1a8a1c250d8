import { AppError } from "@/db/errors";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Refuses a state-changing request that a browser sent on behalf of another site or origin, for every
 * route, the shopper's and the admin's alike (`route()` in ./http.ts). SameSite=Lax cookies already stay
 * home on cross-site POSTs; this also covers same-site subdomains and old browsers. Browsers mark each
 * request with Sec-Fetch-Site: only `same-origin` and `none` (typed in, a bookmark) pass. One that sends
 * no Sec-Fetch-Site still sends Origin on such a request, checked against the host the browser asked
 * for. Clients that are not browsers send neither header and pass.
 */
export function refuseCrossSite(req: Request): void {
  if (SAFE_METHODS.has(req.method)) return;
  const fetchSite = req.headers.get("sec-fetch-site");
  if (fetchSite !== null && fetchSite !== "same-origin" && fetchSite !== "none") throw crossSite();
  const origin = req.headers.get("origin");
  if (origin === null) return;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw crossSite();
  }
  if (originHost !== requestHost(req)) throw crossSite();
}

/**
 * The host the browser asked for: behind proxies, the first entry of X-Forwarded-Host (each proxy in a
 * chain appends its own, `shop.example, internal`), else Host. What a request's Origin is checked against.
 */
export function requestHost(req: Request): string {
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host") ?? new URL(req.url).host;
  return host.split(",")[0]!.trim();
}

function crossSite(): AppError {
  return new AppError("forbidden", "Requests from other sites are not accepted.");
}
