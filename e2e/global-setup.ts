import type { FullConfig } from "@playwright/test";
import postgres from "postgres";
import { startEmbeddedPostgres } from "../db/embedded";
import { migrate } from "../db/migrate";
import { makePostgresTempDir, removeAtExit } from "../db/testing/temp-dir";
import { buildWebApp, isBuildStale } from "../jobs/build";
import { spawnWeb, spawnWorker, stopProcess, waitForHttp } from "../jobs/launch";

export const E2E_ADMIN_PASSWORD = "e2e-admin-password";

/**
 * A throwaway world for the browser tests: an embedded Postgres in a temp dir, the production build
 * (built when stale), `next start` and one worker on 127.0.0.1. Tests reach the database through
 * E2E_DATABASE_URL to make their own data.
 */
export default async function globalSetup(config: FullConfig) {
  const baseURL = config.projects[0]!.use.baseURL!;
  const port = Number(new URL(baseURL).port);
  const dir = makePostgresTempDir("flash-sale-e2e-");
  // Playwright's runner dies of a SIGTERM or SIGHUP (a CI job's timeout, a closed terminal) without its
  // teardown; the web and the worker stop by themselves once it is gone.
  const removeDir = removeAtExit(dir, ["SIGTERM", "SIGHUP"]);
  const cluster = await startEmbeddedPostgres({ dir, persistent: false });
  const admin = postgres(cluster.url("postgres"), { max: 1, onnotice: () => {} });
  await admin.unsafe("CREATE DATABASE e2e");
  await admin.end();
  const url = cluster.url("e2e");
  await migrate(url);

  if (isBuildStale()) buildWebApp();

  const env = {
    ...process.env,
    DATABASE_URL: url,
    DATA_DIR: dir,
    SESSION_SECRET: "e2e-session-secret-0123456789-0123456789",
    ADMIN_PASSWORD: E2E_ADMIN_PASSWORD,
    LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "warn",
    // Every browser test signs in from 127.0.0.1 within a few minutes; the sign-in limit (20 a minute
    // per address) has tests of its own and would otherwise turn later tests' sign-ins into 429s.
    RATE_LIMIT_LOGIN_PER_MINUTE: "10000",
    ...(process.env.E2E_ORDER_BACKLOG_MAX ? { ORDER_BACKLOG_MAX: process.env.E2E_ORDER_BACKLOG_MAX } : {}),
  };
  const web = spawnWeb({ port, env });
  const worker = spawnWorker({ env: { ...env, SKIP_MIGRATE: "1" } });
  await waitForHttp(`${baseURL}/api/health`, 60_000);

  process.env.E2E_DATABASE_URL = url;
  process.env.E2E_ADMIN_PASSWORD = E2E_ADMIN_PASSWORD;

  return async () => {
    await Promise.all([stopProcess(web), stopProcess(worker)]);
    await cluster.stop();
    removeDir();
  };
}
