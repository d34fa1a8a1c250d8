import postgres from "postgres";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { useTestDatabase } from "./testing/database";
import { stallProxy } from "./testing/stall-proxy";

// What the app relies on from postgres.js, checked against a real Postgres: the fixes carried in
// patches/postgres+3.4.9.patch hold in the installed driver.

const db = useTestDatabase();
let one: postgres.Sql | undefined;
afterAll(async () => {
  await one?.end({ timeout: 1 });
});

describe("the database driver", () => {
  it("answers a query in full on a connection whose previous query failed after sending rows", async () => {
    one = postgres(db.url, { max: 1, onnotice: () => {} });
    const sql = one;
    const expected = await sql`SELECT x FROM generate_series(1, 5) AS x`;
    // Postgres sends the first three rows, then fails on the fourth (division by zero).
    const failed = await sql`SELECT i, 1 / (4 - i) AS boom FROM generate_series(1, 10) AS i`.then(
      () => undefined,
      (err: { code?: string }) => err.code,
    );
    expect(failed).toBe("22012");
    const after = await sql`SELECT x FROM generate_series(1, 5) AS x`;
    // Unpatched, the rows of the next query start where the failed one stopped: [ <3 empty>, 1, 2, 3, 4, 5 ].
    expect(after.length).toBe(5);
    expect([...after]).toEqual([...expected]);
  });
});

describe("a connection the network drops without a word (socket_timeout)", () => {
  // Through a proxy that can strand the connections open now: bytes to and from them vanish, as after
  // a failover, while new connections reach the server.
  let proxy: Awaited<ReturnType<typeof stallProxy>> | undefined;
  let sql: postgres.Sql | undefined;
  afterEach(async () => {
    await sql?.end({ timeout: 1 });
    await proxy?.close();
    sql = proxy = undefined;
  });
  const through = async (socketTimeout: number | null) => {
    const target = new URL(db.url);
    proxy = await stallProxy({ host: target.hostname, port: Number(target.port) });
    sql = postgres(proxy.urlFor(db.url), { max: 1, onnotice: () => {}, socket_timeout: socketTimeout });
    return { proxy, sql };
  };
  const backendPid = async (sql: postgres.Sql, sleepSeconds = 0) =>
    (await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid, pg_sleep(${sleepSeconds})`)[0]!.pid;

  it("closes a connection whose query hears nothing for that long, and the next query gets a new one", async () => {
    const { proxy, sql } = await through(1);
    const first = await backendPid(sql);
    expect(proxy.strand()).toBe(1);
    const startedAt = Date.now();
    const failed = await sql`SELECT 1`.then(
      () => "answered",
      (err: { code?: string }) => err.code,
    );
    const waited = Date.now() - startedAt;
    expect(failed).toBe("SOCKET_TIMEOUT");
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(3_000);
    const second = await backendPid(sql);
    expect(second).not.toBe(first);
  }, 20_000);

  it("drops the pool's idle connections with it, so the next queries do not each wait that long on another", async () => {
    const target = new URL(db.url);
    proxy = await stallProxy({ host: target.hostname, port: Number(target.port) });
    sql = postgres(proxy.urlFor(db.url), { max: 3, onnotice: () => {}, socket_timeout: 1 });
    const pool = sql;
    // Three connections open: three queries at once.
    const before = new Set(await Promise.all([0, 1, 2].map(() => backendPid(pool, 0.2))));
    expect(before.size).toBe(3);
    expect(proxy.strand()).toBe(3);
    const failed = await pool`SELECT 1`.then(() => "answered", (err: { code?: string }) => err.code);
    expect(failed).toBe("SOCKET_TIMEOUT");
    // One after another, each answered at once by a connection opened after the failure.
    for (let i = 0; i < 3; i++) {
      const startedAt = Date.now();
      const pid = await backendPid(pool);
      expect(before.has(pid)).toBe(false);
      expect(Date.now() - startedAt).toBeLessThan(900);
    }
  }, 20_000);

  it("leaves alone a connection that is idle longer than that, and a query that hears back within it", async () => {
    const { sql } = await through(1);
    const first = await backendPid(sql);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // A query whose answer comes 0.7 s after it was sent, then, half a second after that answer,
    // another: its second is counted from when it was sent, not from the first's answer (a timer left
    // running from that answer would close the connection 0.2 s before the second's comes).
    const again = await backendPid(sql, 0.7);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const third = await backendPid(sql, 0.7);
    expect([again, third]).toEqual([first, first]);
  }, 20_000);

  it("without it, a stranded connection's query is still waiting seconds later", async () => {
    const { proxy, sql } = await through(null);
    await sql`SELECT 1`;
    proxy.strand();
    const outcome = await Promise.race([
      sql`SELECT 1`.then(() => "answered", (err: { code?: string }) => err.code),
      new Promise((resolve) => setTimeout(resolve, 3_000, "waiting")),
    ]);
    expect(outcome).toBe("waiting");
  }, 20_000);
});
