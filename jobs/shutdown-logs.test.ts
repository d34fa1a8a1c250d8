import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { closeDb } from "@/db/client";
import { markStopping } from "@/db/log";
import { useTestDatabase } from "@/db/testing/database";
import { parseLogLine } from "@/db/testing/json-lines";
import { captureLogLines } from "@/db/testing/log-lines";
import { waitFor } from "@/db/testing/processes";
import { createBoss } from "./boss";
import { startMetricsPush } from "./worker-metrics";

// What the logs say while the database goes away: errors at error level only when something is
// wrong, expected shutdown noise at info, and every line a few hundred bytes without the driver's
// internals (a pg client's secret key, a query's parameters).

const db = useTestDatabase();
const capture = captureLogLines();

afterAll(() => capture.stop());

/** A loopback port nothing listens on: connecting there is refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const linesAbout = (text: string) => capture.lines().filter((l) => l.msg.includes(text));

describe("logs while the database goes away", () => {
  it("pg-boss connections Postgres terminates (57P01) while the app runs are a warning, compact, without the pg client", async () => {
    const boss = createBoss("web");
    await boss.start();
    try {
      const from = capture.raw.length;
      // What Postgres does to every connection when it shuts down, fails over or an operator terminates
      // it: worth seeing while the app runs (it reconnects), no fault of its own, so not an error.
      const terminated = await db.sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'flash-sale-web-boss'`;
      expect(terminated.length).toBeGreaterThan(0);
      await waitFor(async () => (capture.raw.slice(from).some((l) => l.includes("pg-boss")) ? true : undefined), 10_000, "pg-boss to report the closed connections");
      await new Promise((r) => setTimeout(r, 500));
      const bossLines = capture.raw.slice(from).filter((l) => l.includes("pg-boss"));
      for (const raw of bossLines) {
        const line = parseLogLine(raw);
        expect(line.level, raw).toBe(40);
        expect(line.err?.code, raw).toBe("57P01");
        expect(line.err?.stack, raw).toBeUndefined();
        expect(raw.length).toBeLessThan(600);
        for (const internal of ["processID", "secretKey", "client"]) expect(raw).not.toContain(internal);
      }
    } finally {
      await boss.stop({ graceful: false, timeout: 1000 }).catch(() => {});
    }
  });

  it("a pg-boss error that is not a connection failing stays an error, in a few hundred bytes", async () => {
    const boss = createBoss("web");
    // A pg client, with its secret key, riding on the error, as pg-pool hands it on.
    const missing = Object.assign(new Error('relation "pgboss.job" does not exist'), {
      code: "42P01",
      client: { processID: 4242, secretKey: 987654321, connectionParameters: { host: "127.0.0.1" }, buffer: "x".repeat(3000) },
    });
    const from = capture.raw.length;
    boss.emit("error", missing);
    const [raw] = capture.raw.slice(from);
    const line = parseLogLine(raw!);
    expect(line).toMatchObject({ level: 50, msg: "pg-boss error", err: { message: 'relation "pgboss.job" does not exist', code: "42P01" } });
    expect(line.err?.stack).toBeDefined();
    expect(raw!.length).toBeLessThan(1500);
    for (const internal of ["processID", "secretKey", "4242", "987654321"]) expect(raw).not.toContain(internal);
  });

  it("pg-boss losing its connection for a moment (Postgres restarting, failing over or frozen) is a warning without a stack; other pg-boss errors stay errors", async () => {
    const boss = createBoss("worker");
    const coded = (message: string, code: string, extra: object = {}) => Object.assign(new Error(message), { code, ...extra });
    // As pg-boss emits them while the embedded Postgres restarts under the app, or hangs.
    const refused = coded("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED", { syscall: "connect", address: "127.0.0.1", port: 5432 });
    refused.message += " (Queue: place-order, Worker: 1b2c)";
    const transient: unknown[] = [
      refused,
      // The worker's fetch loop emits a copy: a plain object with the error's fields, its queue and worker.
      { ...coded("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED"), message: "connect ECONNREFUSED 127.0.0.1:5432", stack: "Error: connect ECONNREFUSED\n    at x (y.js:1:1)", queue: "place-order", worker: "1b2c" },
      coded("read ECONNRESET", "ECONNRESET"),
      coded("connect ETIMEDOUT 10.0.0.5:5432", "ETIMEDOUT"),
      new Error("Connection terminated unexpectedly"),
      new Error("Connection terminated due to connection timeout", { cause: coded("connect ECONNREFUSED 127.0.0.1:5432", "ECONNREFUSED") }),
      new Error("timeout exceeded when trying to connect"),
      new Error("LISTEN/NOTIFY heartbeat timed out"),
      new Error("LISTEN/NOTIFY connection ended"),
      coded("terminating connection due to administrator command", "57P01"),
      coded("the database system is starting up", "57P03"),
      coded("the database system is shutting down", "57P03"),
      coded("connection failure", "08006"),
      coded("could not connect to server", "08001"),
    ];
    const genuine: unknown[] = [
      // A crash of another server process is never ordinary, for pg-boss as for the rest of the app.
      coded("terminating connection because of crash of another server process", "57P02"),
      coded('relation "pgboss.job" does not exist', "42P01"),
      coded("duplicate key value violates unique constraint", "23505"),
      coded("deadlock detected", "40P01"),
      new Error("LISTEN/NOTIFY channel registration was lost"),
      { message: "queue place-order not found", stack: "Error: queue place-order not found\n    at x (y.js:1:1)" },
    ];
    const from = capture.raw.length;
    // Typed as Error, though pg-boss emits some as plain objects (above).
    for (const err of [...transient, ...genuine]) boss.emit("error", err as Error);
    // Postgres closing a connection in order (57P01, 57P03) is written a second late (db/log.ts), the rest at once.
    const raws = await waitFor(async () => {
      const written = capture.raw.slice(from);
      return written.length >= transient.length + genuine.length ? written : undefined;
    }, 5000, "every line");
    const messageOf = (err: unknown) => (err as { message: string }).message;
    const lines = raws.map((raw) => ({ raw, line: parseLogLine(raw) }));
    const byMessage = (a: [number, string], b: [number, string]) => a[0] - b[0] || a[1].localeCompare(b[1]);
    expect(lines.map(({ line }) => [line.level, line.err?.message ?? ""] as [number, string]).sort(byMessage)).toEqual(
      [...transient.map((err) => [40, messageOf(err)] as [number, string]), ...genuine.map((err) => [50, messageOf(err)] as [number, string])].sort(byMessage),
    );
    for (const { raw, line } of lines) {
      if (line.level === 40) {
        expect(line.msg, raw).toBe("pg-boss lost its database connection; it reconnects by itself");
        expect(line.err?.stack, raw).toBeUndefined();
        expect(raw.length, raw).toBeLessThan(600);
      } else {
        expect(line.msg, raw).toBe("pg-boss error");
      }
    }
  });

  it("a worker's metrics push to an unreachable database is a short warning; the row's removal at stop is info", async () => {
    await closeDb();
    const live = process.env.DATABASE_URL;
    process.env.DATABASE_URL = `postgres://nobody@127.0.0.1:${await closedPort()}/nothing`;
    try {
      const stopPush = startMetricsPush();
      const [pushLine] = await waitFor(async () => {
        const found = linesAbout("could not push worker metrics");
        return found.length > 0 ? found : undefined;
      }, 10_000, "the push to fail");
      const pushRaw = capture.raw.find((l) => l.includes("could not push worker metrics"))!;
      // The metrics JSON (the insert's parameter) is ~100 KB: none of it reaches the line.
      expect(pushRaw.length).toBeLessThan(1500);
      expect(pushRaw).not.toContain("process_cpu");
      expect(pushLine!.level).toBe(40);
      expect(pushLine!.err?.cause?.code).toBe("ECONNREFUSED");
      // It goes on failing every 2 s; that first line is the only warning.
      await waitFor(async () => (linesAbout("could not push worker metrics").length >= 3 ? true : undefined), 10_000, "two more failed pushes");
      expect(linesAbout("could not push worker metrics").map((l) => l.level)).toEqual([40, ...Array(linesAbout("could not push worker metrics").length - 1).fill(20)]);

      // As the worker does on SIGINT/SIGTERM: from now on, connections that fail are the stop's doing.
      markStopping();
      await stopPush();
      const removal = linesAbout("could not remove worker metrics");
      expect(removal).toHaveLength(1);
      expect(removal[0]!.level).toBe(30);
    } finally {
      await closeDb();
      process.env.DATABASE_URL = live;
    }
  });

  // After the test above, which marks this process as stopping (it stays so).
  it("once the process is stopping, a connection that fails is info; any other error is still an error", async () => {
    const boss = createBoss("web");
    markStopping();
    const from = capture.raw.length;
    boss.emit("error", Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }));
    boss.emit("error", new Error("Connection terminated unexpectedly"));
    boss.emit("error", new TypeError("Cannot read properties of undefined (reading 'id')"));
    const lines = capture.raw.slice(from).map(parseLogLine);
    expect(lines.map((l) => [l.level, l.err?.message])).toEqual([
      [30, "connect ECONNREFUSED 127.0.0.1:5432"],
      [30, "Connection terminated unexpectedly"],
      [50, "Cannot read properties of undefined (reading 'id')"],
    ]);
  });
});
