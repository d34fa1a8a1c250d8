/**
 * The security headers every answer carries besides its Content-Security-Policy: Next's (through
 * next.config.ts) and those the web server gives itself before Next (jobs/web.ts), each with a policy
 * of its own.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Frame-Options": "DENY",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "strict-origin-when-cross-origin",
  "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
  "Cross-Origin-Opener-Policy": "same-origin",
  // Browsers honour this only over HTTPS, where it keeps them from ever downgrading.
  "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
};
