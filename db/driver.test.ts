import postgres from "postgres";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { useTestDatabase } from "./testing/database";
import { stallProxy } from "./testing/stall-proxy";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const codeOf = (err: { code?: string }) => err.code;

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

  it("leaves alone a query whose rows keep coming for longer than that, each within it", async () => {
    const { sql } = await through(1);
    // Six rows of 64 KB, 0.4 s apart: 2.4 s in all. Postgres holds rows until its 8 KB send buffer
    // fills, so rows this size reach the client as each is made; the limit counts from the last of them.
    const startedAt = Date.now();
    const rows = await sql<{ filler: string }[]>`
      SELECT repeat('x', 65536) || pg_sleep(0.4)::text AS filler FROM generate_series(1, 6)`.catch(codeOf);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2_000);
    expect(Array.isArray(rows) ? rows.map((r) => r.filler.length) : rows).toEqual(Array(6).fill(65536));
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

  it("fails a connection's own array-types query with it, without an unhandled rejection", async () => {
    // Each new connection asks for the array types first; a connection stranded while that query is
    // out failed it from the silence timer with nobody awaiting it, which ends a Node process.
    const target = new URL(db.url);
    const strandedOn = await stallProxy({ host: target.hostname, port: Number(target.port) }, { strandOn: "typarray" });
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on("unhandledRejection", onUnhandled);
    try {
      sql = postgres(strandedOn.urlFor(db.url), { max: 1, onnotice: () => {}, socket_timeout: 1 });
      expect(await sql`SELECT 1`.then(() => "answered", codeOf)).toBe("SOCKET_TIMEOUT");
      await sleep(200);
      expect(unhandled.map(String)).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
      await sql?.end({ timeout: 1 });
      sql = undefined;
      await strandedOn.close();
    }
  }, 20_000);

  it("gives back nothing when a reserved connection closed as silent is released, and the pool serves on", async () => {
    const { proxy, sql } = await through(1);
    const reserved = await sql.reserve();
    await reserved`SELECT 1`;
    proxy.strand();
    expect(await reserved`SELECT 1`.then(() => "answered", codeOf)).toBe("SOCKET_TIMEOUT");
    reserved.release();
    // Released as it stood, the closed connection went back to the pool to fail every query with
    // CONNECTION_CLOSED, for good.
    expect(await sql<{ x: number }[]>`SELECT 2 AS x`.then((rows) => rows[0]!.x, codeOf)).toBe(2);
    expect(await reserved`SELECT 1`.then(() => "answered", codeOf)).toBe("CONNECTION_CLOSED");
  }, 20_000);

  it("serves the query waiting for the connection of a transaction closed as silent", async () => {
    const { proxy, sql } = await through(1);
    await sql`SELECT 1`;
    const transaction = sql
      .begin(async (tx) => {
        await tx`SELECT 1`;
        proxy.strand();
        await tx`SELECT 2`;
      })
      .then(() => "committed", codeOf);
    await sleep(200);
    // Queued behind the transaction (max: 1), then handed the connection reopened for it: the
    // transaction's rollback, sent to that connection, failed this query with CONNECTION_CLOSED.
    const queued = sql<{ x: number }[]>`SELECT 3 AS x`.then((rows) => rows[0]!.x, codeOf);
    expect(await transaction).toBe("CONNECTION_CLOSED");
    expect(await queued).toBe(3);
  }, 20_000);

  it("ends the pool once a connection asked to end is closed as silent", async () => {
    const { proxy, sql } = await through(1);
    await sql`SELECT 1`;
    proxy.strand();
    const query = sql`SELECT 1`.then(() => "answered", codeOf);
    await sleep(100);
    const ended = sql.end();
    expect(await query).toBe("SOCKET_TIMEOUT");
    expect(await Promise.race([ended.then(() => "ended"), sleep(3_000).then(() => "waiting")])).toBe("ended");
  }, 20_000);

  it("does not count the time a cursor's rows or a COPY's stream spend with the client", async () => {
    const { sql } = await through(1);
    const cursor = await sql`SELECT x FROM generate_series(1, 2) AS x`
      .cursor(1, () => sleep(1_300))
      .then(() => "done", codeOf);
    expect(cursor).toBe("done");
    const copiedIn = await sql.begin(async (tx) => {
      await tx`CREATE TEMP TABLE copied (x int)`;
      const stream = await tx`COPY copied FROM STDIN`.writable();
      stream.write("1\n");
      await sleep(1_300);
      await new Promise<void>((resolve, reject) => stream.end("2\n", (err?: Error | null) => (err ? reject(err) : resolve())));
      return (await tx<{ n: number }[]>`SELECT count(*)::int AS n FROM copied`)[0]!.n;
    }).catch(codeOf);
    expect(copiedIn).toBe(2);
    const stream = await sql`COPY (SELECT repeat('x', 1000) FROM generate_series(1, 2000)) TO STDOUT`.readable();
    await sleep(1_300);
    let bytes = 0;
    for await (const chunk of stream) bytes += (chunk as Buffer).length;
    expect(bytes).toBe(2000 * 1001);
  }, 20_000);
});
