import fs from "node:fs";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stopWebBoss, webBoss } from "@/jobs/boss";
import { PLACE_ORDER_DEAD } from "@/jobs/queues";
import { closeDb, getDb } from "./client";
import { postgresJsTarget } from "./connection-url";
import type { EmbeddedCluster } from "./embedded";
import { migrate } from "./migrate";
import { ownCluster } from "./testing/own-cluster";
import { makePostgresTempDir } from "./testing/temp-dir";

// A Postgres of this file's own that also listens on a Unix socket (the shared one does not).
let cluster: EmbeddedCluster;
let dir: string;
let socketDir: string;
let tcp: URL;

beforeAll(async () => {
  socketDir = makePostgresTempDir("flash-sale-socket-");
  // The server, run as the `postgres` user when the tests run as root, creates its socket here.
  fs.chmodSync(socketDir, 0o777);
  ({ dir, cluster } = await ownCluster("libpq-url", "shop", { flags: ["-c", `unix_socket_directories=${socketDir}`] }));
  tcp = new URL(cluster.url("shop"));
}, 120_000);

afterAll(async () => {
  await stopWebBoss();
  await closeDb();
  await cluster?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(socketDir, { recursive: true, force: true });
});

/** A connection URI in libpq's form: everything but the scheme as query parameters. */
function libpqUrl(params: Record<string, string>): string {
  return `postgresql:///?${new URLSearchParams(params).toString()}`;
}

/** Points the app at `url` as `npm start` would: migrations, then the app's pool and pg-boss on first use. */
async function useDatabaseUrl(url: string): Promise<{ database: string; overSocket: boolean; jobId: string }> {
  await stopWebBoss();
  await closeDb();
  process.env.DATABASE_URL = url;
  await migrate(url);
  const rows = await getDb().execute<{ database: string; address: string | null }>(sql`SELECT current_database() AS database, inet_server_addr()::text AS address`);
  const jobId = await (await webBoss()).send(PLACE_ORDER_DEAD, { orderId: "00000000-0000-4000-8000-000000000000", saleId: "00000000-0000-4000-8000-000000000000" });
  return { database: rows[0]!.database, overSocket: rows[0]!.address === null, jobId: jobId! };
}

/** Whether the job reached the `shop` database (read over the plain URL). */
async function jobIn(jobId: string): Promise<boolean> {
  const check = postgres(tcp.toString(), { max: 1, onnotice: () => {} });
  try {
    const rows = await check`SELECT 1 FROM pgboss.job WHERE id = ${jobId}`;
    return rows.length === 1;
  } finally {
    await check.end({ timeout: 5 });
  }
}

describe("a DATABASE_URL in libpq's form, with the target in query parameters", () => {
  it("hands postgres.js host, port, user and password as options and the database in the path, keeping the rest", () => {
    expect(postgresJsTarget("postgresql:///?host=%2Frun%2Fpostgresql&port=5433&user=shop&password=p%26w&dbname=flash%20sale&sslmode=require")).toEqual({
      url: "postgresql:///?sslmode=require",
      options: { host: "/run/postgresql", port: 5433, user: "shop", password: "p&w", database: "flash sale" },
    });
    const plain = "postgres://shop:secret@db.internal:5432/flash?sslmode=require";
    expect(postgresJsTarget(plain)).toEqual({ url: plain, options: { database: "flash" } });
    // A percent-encoded name in the path is decoded, as pg and libpq decode it.
    expect(postgresJsTarget("postgres://shop@db.internal/caf%C3%A9").options.database).toBe("café");
  });

  it("reaches its database over TCP: migrations, the app's queries and pg-boss's jobs", async () => {
    const url = libpqUrl({ host: tcp.hostname, port: tcp.port, user: decodeURIComponent(tcp.username), password: decodeURIComponent(tcp.password), dbname: "shop" });
    const seen = await useDatabaseUrl(url);
    expect(seen).toMatchObject({ database: "shop", overSocket: false });
    expect(await jobIn(seen.jobId)).toBe(true);
  });

  it("reaches a database whose name needs escaping, named in the path or by dbname", async () => {
    const admin = postgres(cluster.url("postgres"), { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE "flash café"`);
    await admin.end({ timeout: 5 });
    const credentials = { user: decodeURIComponent(tcp.username), password: decodeURIComponent(tcp.password) };
    for (const url of [
      `postgresql://${tcp.username}:${tcp.password}@${tcp.host}/${encodeURIComponent("flash café")}`,
      libpqUrl({ host: tcp.hostname, port: tcp.port, ...credentials, dbname: "flash café" }),
    ]) {
      const seen = await useDatabaseUrl(url);
      expect(seen.database, url.replace(tcp.password, "***")).toBe("flash café");
      // pg-boss (pg) wrote its job to the same database the app's pool reads.
      const [job] = await getDb().execute<{ n: number }>(sql`SELECT count(*)::int AS n FROM pgboss.job WHERE id = ${seen.jobId}`);
      expect(job!.n).toBe(1);
    }
  });

  it("reaches its database over the Unix socket named by host, the database in the path", async () => {
    const url = `postgresql:///shop?${new URLSearchParams({ host: socketDir, port: tcp.port, user: decodeURIComponent(tcp.username), password: decodeURIComponent(tcp.password) }).toString()}`;
    const seen = await useDatabaseUrl(url);
    expect(seen).toMatchObject({ database: "shop", overSocket: true });
    expect(await jobIn(seen.jobId)).toBe(true);
  });
});
