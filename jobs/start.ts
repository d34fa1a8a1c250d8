import "./start-role";
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import postgres from "postgres";
import { closeDb } from "@/db/client";
import { config } from "@/db/config";
import { startEmbeddedPostgres, type EmbeddedCluster } from "@/db/embedded";
import { log } from "@/db/log";
import { migrate } from "@/db/migrate";
import { clearRuntimeDatabaseUrl, writeRuntimeDatabaseUrl } from "@/db/runtime";
import { persistentSecret, readablePassword } from "@/db/secrets";
import { seedDemoSale } from "@/db/seed";
import { buildWebApp, isBuildStale } from "./build";
import { spawnWeb, spawnWorker, stopProcess } from "./launch";

// `npm start`: the whole app in one command. Database (embedded unless DATABASE_URL is set),
// migrations, demo data, a production build when needed, then the web server and WORKERS workers.

const root = process.cwd();
const DATABASE_NAME = "flash_sale";

async function ensureDatabase(cluster: EmbeddedCluster): Promise<string> {
  const admin = postgres(cluster.url("postgres"), { max: 1, onnotice: () => {} });
  try {
    const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = ${DATABASE_NAME}`;
    if (!exists) await admin.unsafe(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await admin.end();
  }
  return cluster.url(DATABASE_NAME);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}

async function main(): Promise<void> {
  const cfg = config();
  const host = process.env.HOST ?? "127.0.0.1";
  let cluster: EmbeddedCluster | undefined;
  let url = cfg.DATABASE_URL;
  if (!url) {
    log.info({ dir: path.join(cfg.DATA_DIR, "pg") }, "starting embedded Postgres");
    cluster = await startEmbeddedPostgres({ dir: cfg.DATA_DIR, persistent: true });
    url = await ensureDatabase(cluster);
    writeRuntimeDatabaseUrl(url);
  }
  process.env.DATABASE_URL = url;

  await migrate(url);
  const demo = await seedDemoSale();
  await closeDb();
  if (demo) log.info({ saleId: demo.id, startsAt: demo.startsAt }, "seeded the demo sale");

  if (isBuildStale(root)) {
    log.info("building the web app (next build)");
    buildWebApp(root);
  }

  const sessionSecret = cfg.SESSION_SECRET ?? persistentSecret(cfg.DATA_DIR, "session-secret");
  const adminPassword = cfg.ADMIN_PASSWORD ?? persistentSecret(cfg.DATA_DIR, "admin-password", readablePassword);
  const env = {
    ...process.env,
    DATABASE_URL: url,
    DATA_DIR: cfg.DATA_DIR,
    SESSION_SECRET: sessionSecret,
    ADMIN_PASSWORD: adminPassword,
    LOG_LEVEL: cfg.LOG_LEVEL,
  };

  const children = new Set<ChildProcess>();
  let isStopping = false;

  const launch = (label: string, start: () => ChildProcess) => {
    const child = start();
    children.add(child);
    child.on("exit", (code, signal) => {
      children.delete(child);
      if (isStopping) return;
      // A process that dies is replaced; orders a worker held are redelivered once their jobs expire.
      log.error({ process: label, code, signal }, "process exited; restarting it in 1 s");
      setTimeout(() => !isStopping && launch(label, start), 1000);
    });
  };

  launch("web", () => spawnWeb({ port: cfg.PORT, host, env }));
  for (let i = 0; i < cfg.WORKERS; i++) launch(`worker-${i + 1}`, () => spawnWorker({ env: { ...env, SKIP_MIGRATE: "1" } }));

  const shownHost = host === "0.0.0.0" || host === "::" ? "localhost" : host;
  const lines = [
    "",
    `  Flash sale is running at http://${shownHost}:${cfg.PORT}`,
    `  Admin: http://${shownHost}:${cfg.PORT}/admin  password: ${adminPassword}`,
    `  Database: ${cluster ? "embedded Postgres in " + path.join(cfg.DATA_DIR, "pg") : redact(url)}`,
    `  Settings: PORT=${cfg.PORT} WORKERS=${cfg.WORKERS} DATA_DIR=${cfg.DATA_DIR} LOG_LEVEL=${cfg.LOG_LEVEL}` +
      ` ORDER_BACKLOG_MAX=${cfg.ORDER_BACKLOG_MAX ?? "auto"} ADMIN_PASSWORD=${cfg.ADMIN_PASSWORD ? "(from env)" : "(generated)"}` +
      ` SESSION_SECRET=${cfg.SESSION_SECRET ? "(from env)" : "(generated)"}`,
    `  Admission: ORDER_ADMISSION_SLACK=${cfg.ORDER_ADMISSION_SLACK} RATE_LIMIT_SHOPPER_PER_SECOND=${cfg.RATE_LIMIT_SHOPPER_PER_SECOND}` +
      ` RATE_LIMIT_SHOPPER_BURST=${cfg.RATE_LIMIT_SHOPPER_BURST} RATE_LIMIT_IP_PER_SECOND=${cfg.RATE_LIMIT_IP_PER_SECOND}` +
      ` RATE_LIMIT_IP_BURST=${cfg.RATE_LIMIT_IP_BURST} RATE_LIMIT_LOGIN_PER_MINUTE=${cfg.RATE_LIMIT_LOGIN_PER_MINUTE}` +
      ` TRUST_PROXY=${cfg.TRUST_PROXY ? 1 : 0} METRICS_TOKEN=${cfg.METRICS_TOKEN ? "(from env)" : "(unset: /api/metrics is open)"}`,
    "  Press Ctrl-C to stop.",
    "",
  ];
  process.stdout.write(lines.join("\n") + "\n");

  const shutdown = async (signal: string) => {
    if (isStopping) return;
    isStopping = true;
    log.info({ signal }, "stopping web and workers");
    const exits = [...children].map((child) => stopProcess(child, "SIGTERM", 15_000));
    await Promise.all(exits);
    if (cluster) {
      clearRuntimeDatabaseUrl();
      await cluster.stop();
      log.info("embedded Postgres stopped; data kept");
    }
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((err) => {
  log.fatal({ err }, "could not start");
  process.exit(1);
});
