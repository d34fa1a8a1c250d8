import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import net from "node:net";
import postgres from "postgres";
import { expect, inject, it } from "vitest";
import { migrate, migrationsFolder } from "./migrate";

it("brings one empty database up to date from two processes starting at once", async () => {
  const adminUrl = inject("pgAdminUrl");
  const name = `migrate_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const results = await Promise.allSettled([migrate(url), migrate(url)]);
    expect(results.map((r) => (r.status === "rejected" ? String(r.reason) : r.status))).toEqual(["fulfilled", "fulfilled"]);
    const applied = await sql`SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations`;
    expect(applied[0]!.n).toBe(readdirSync(migrationsFolder).filter((f) => f.endsWith(".sql")).length);
    const [tables] = await sql`SELECT to_regclass('public.orders') IS NOT NULL AS orders, to_regclass('pgboss.job') IS NOT NULL AS jobs`;
    expect(tables).toEqual({ orders: true, jobs: true });
  } finally {
    await sql.end({ timeout: 5 });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
});

it("fails naming the host and port, not the password, when the database accepts connections and never answers", async () => {
  // A server that takes the connection and says nothing: a frozen Postgres, or a proxy to a host that drops packets.
  const held = new Set<net.Socket>();
  const silent = net.createServer((socket) => void held.add(socket.on("error", () => {})));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const { port } = silent.address() as net.AddressInfo;
  try {
    const started = performance.now();
    const failure = await migrate(`postgres://app:s3cret-pw@127.0.0.1:${port}/shop`, { reachWithinMs: 2000 }).then(
      () => "migrated",
      (err: Error) => err.message,
    );
    // Given up at its time, not whenever the silent server let go (never, here).
    expect(performance.now() - started).toBeLessThan(6_000);
    expect(failure).toMatch(new RegExp(`^cannot reach the database in DATABASE_URL \\(127\\.0\\.0\\.1:${port}\\): no answer within 2 s`));
    expect(failure).not.toContain("s3cret");
  } finally {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  }
});
