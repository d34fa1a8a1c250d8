import { spawn } from "node:child_process";
import path from "node:path";
import { DrizzleQueryError } from "drizzle-orm/errors";
import postgres from "postgres";
import { afterEach, describe, expect, it, vi } from "vitest";
import { StartupError } from "@/jobs/supervise";
import { ConfigError } from "./config";
import { EmbeddedPostgresError } from "./embedded-checks";
import { log, ORDERLY_CLOSE_HOLD_MS } from "./log";
import { DatabaseUrlError } from "./migrate";
import { jsonLines } from "./testing/json-lines";
import { captureLogLines, type LogLine } from "./testing/log-lines";

// What reaches a log line: never a credential, never a driver's internals or a query's parameters,
// and an error in a few hundred bytes, not a hundred kilobytes.

/** The lines `log` writes while `run` runs, raw and parsed. */
function captured(run: () => void): { raw: string[]; lines: LogLine[] } {
  const capture = captureLogLines();
  try {
    run();
  } finally {
    capture.stop();
  }
  return { raw: capture.raw, lines: capture.lines() };
}

const saved = { ...process.env };
afterEach(() => {
  Object.assign(process.env, saved);
  if (saved.LOG_LEVEL === undefined) delete process.env.LOG_LEVEL;
});

describe("the logger", () => {
  it("comes up at info when LOG_LEVEL is not a level, and config() names LOG_LEVEL", async () => {
    process.env.LOG_LEVEL = "verbose";
    vi.resetModules();
    const fresh = await import("./log");
    expect(fresh.log.level).toBe("info");
    const { config } = await import("./config");
    expect(() => config()).toThrow(/^ {2}LOG_LEVEL: /m);
  });

  it("logs a DATABASE_URL that does not parse without its password (no `input`)", () => {
    let thrown: unknown;
    try {
      postgres("postgres://app:Tr0ub4dor#3@127.0.0.1:5432/flash");
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    const { raw, lines } = captured(() => log.fatal({ err: thrown }, "could not start"));
    expect(raw.join("")).not.toContain("Tr0ub4dor");
    expect(lines[0]!.err).toMatchObject({ type: "TypeError", message: "Invalid URL", code: "ERR_INVALID_URL" });
    expect(lines[0]!.err).not.toHaveProperty("input");
  });

  it("masks credentials in messages, causes and fields, wherever they appear", () => {
    const url = "postgres://app:s3cret-pw@db.internal:5432/flash";
    const { raw, lines } = captured(() => {
      log.error(new Error(`could not connect to ${url}`));
      log.warn({ err: new Error("query failed", { cause: new Error(`server closed ${url}`) }) }, "retrying");
      log.info(`using ${url}`);
      log.info({ target: { url }, note: "conninfo host=db password=s3cret-pw user=app" }, "connecting");
      // pg-boss emits some errors as plain objects.
      log.error({ err: { message: `lost ${url}`, stack: `Error: lost ${url}\n    at x (y.js:1:1)` } }, "pg-boss error");
    });
    expect(raw).toHaveLength(5);
    for (const line of raw) expect(line).not.toContain("s3cret-pw");
    expect(lines[0]!.msg).toBe("could not connect to postgres://app:[redacted]@db.internal:5432/flash");
    expect(lines[1]!.err!.cause!.message).toBe("server closed postgres://app:[redacted]@db.internal:5432/flash");
    expect(lines[3]).toMatchObject({ target: { url: "postgres://app:[redacted]@db.internal:5432/flash" }, note: "conninfo host=db password=[redacted] user=app" });
  });

  it("masks a password however its key is spelt: PGPASSWORD=, a URL's sslpassword parameter, db_password=", () => {
    const { raw, lines } = captured(() => {
      log.error("could not parse postgres://app@db/flash?sslmode=verify-full&sslpassword=s3cret-pw&password=s3cret-pw");
      log.warn("env: PGPASSWORD=s3cret-pw PGUSER=app db_password='s3cret-pw' Pwd=s3cret-pw");
    });
    for (const line of raw) expect(line).not.toContain("s3cret-pw");
    expect(lines[0]!.msg).toBe("could not parse postgres://app@db/flash?sslmode=verify-full&sslpassword=[redacted]&password=[redacted]");
    expect(lines[1]!.msg).toBe("env: PGPASSWORD=[redacted] PGUSER=app db_password=[redacted] Pwd=[redacted]");
  });

  it("writes an error about Postgres closing a connection in order (57P01, 57P03) as a warning while the process runs, a second late; a crash (57P02) stays an error, fatal stays fatal", () => {
    const adminShutdown = Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" });
    const startingUp = Object.assign(new Error("the database system is starting up"), { code: "57P03" });
    const crash = Object.assign(new Error("terminating connection because of crash of another server process"), { code: "57P02" });
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    vi.useFakeTimers();
    const capture = captureLogLines();
    try {
      const loggedAt = Date.now();
      log.error({ err: adminShutdown }, "pg-boss error");
      log.warn({ err: new DrizzleQueryError("delete from worker_metrics", [], adminShutdown) }, "could not remove worker metrics");
      log.error({ err: crash }, "allocation failed");
      log.fatal({ err: startingUp }, "worker failed to start");
      // While the process is not stopping, a refused connection is a real outage.
      log.warn({ err: refused }, "could not push worker metrics");
      vi.advanceTimersByTime(ORDERLY_CLOSE_HOLD_MS - 1);
      // The two orderly closes wait (a stop signal may be on its way); the rest is written at once.
      const atOnce = [
        [50, "allocation failed"],
        [60, "worker failed to start"],
        [40, "could not push worker metrics"],
      ];
      expect(capture.lines().map((l) => [l.level, l.msg])).toEqual(atOnce);
      vi.advanceTimersByTime(1);
      const lines = capture.lines();
      expect(lines.map((l) => [l.level, l.msg])).toEqual([...atOnce, [40, "pg-boss error"], [40, "could not remove worker metrics"]]);
      expect(lines[3]!.err).toEqual({ type: "Error", message: "terminating connection due to administrator command", code: "57P01" });
      // Written a second late, stamped with the time it was logged at; lines written at once keep theirs.
      expect(lines.map((l) => l.time)).toEqual([loggedAt, loggedAt, loggedAt, loggedAt, loggedAt]);
      log.info("written now");
      expect(capture.lines().at(-1)!.time).toBe(loggedAt + ORDERLY_CLOSE_HOLD_MS);
    } finally {
      capture.stop();
      vi.useRealTimers();
    }
  });

  it("logs an error as its type, message, code and a few frames: no query parameters, no pg client", () => {
    const metricsJson = JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ name: `metric_${i}`, values: [{ value: i }] })));
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED", errno: -111, syscall: "connect", address: "127.0.0.1", port: 5432 });
    const failedQuery = new DrizzleQueryError('insert into "worker_metrics" ("instance", "metrics") values ($1, $2)', ["worker-1", metricsJson], refused);
    // What pg-pool emits for an idle client the server dropped: the client itself rides on the error.
    const dropped = Object.assign(new Error("Connection terminated unexpectedly"), {
      client: { processID: 4242, secretKey: 987654321, connectionParameters: { password: "pw" }, _queryable: false, buffer: "x".repeat(3000) },
    });
    const { raw, lines } = captured(() => {
      log.warn({ err: failedQuery }, "could not push worker metrics");
      log.error({ err: dropped }, "pg-boss error");
    });
    expect(raw[0]!.length).toBeLessThan(1500);
    expect(raw[0]).not.toContain("metric_1");
    expect(lines[0]!.err).toMatchObject({
      type: "DrizzleQueryError",
      message: 'Failed query: insert into "worker_metrics" ("instance", "metrics") values ($1, $2)',
      cause: { message: "connect ECONNREFUSED 127.0.0.1:5432", code: "ECONNREFUSED" },
    });
    // Frames only at error level, and a few.
    expect(lines[0]!.err!.stack).toBeUndefined();
    expect(raw[1]!.length).toBeLessThan(1500);
    for (const internal of ["processID", "secretKey", "4242", "987654321", "connectionParameters"]) expect(raw[1]).not.toContain(internal);
    expect(lines[1]!.err!.message).toBe("Connection terminated unexpectedly");
    expect(lines[1]!.err!.stack!.split("\n").length).toBeLessThanOrEqual(5);
  });

  it("logs a problem for the operator (a setting, a port, a DATABASE_URL refused) by its message alone, without stack frames", () => {
    const problems = [new ConfigError("Invalid configuration:\n  WORKERS: must be a whole number"), new DatabaseUrlError("the database in DATABASE_URL (127.0.0.1:1) refused the connection"), new StartupError("PORT 3000 is in use"), new EmbeddedPostgresError("a Postgres already runs on this directory")];
    const { lines } = captured(() => {
      for (const err of problems) log.fatal({ err }, "could not start");
      log.fatal({ err: new Error("a fault of the app's") }, "could not start");
    });
    expect(lines.map((l) => l.err)).toEqual([
      ...problems.map((err) => ({ type: err.name, message: err.message })),
      { type: "Error", message: "a fault of the app's", stack: expect.stringMatching(/^at /) },
    ]);
  });

  // In a process of its own, as the worker and the web are: stopping is for good once marked.
  async function runLogging(body: string, signalAfter?: string): Promise<{ lines: LogLine[]; code: number | null }> {
    const script = `
      const { log, markStopping } = require(${JSON.stringify(path.join(process.cwd(), "db", "log.ts"))});
      const adminShutdown = Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" });
      process.on("SIGINT", () => { markStopping(); log.info("stopping"); process.exit(0); });
      ${body}`;
    const child = spawn(process.execPath, ["--import", "tsx", "-e", script], { env: { ...process.env, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      if (signalAfter && chunk.includes(signalAfter)) child.kill("SIGINT");
    });
    // 'close': the process has exited and its output has been read to the end.
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    return { lines: jsonLines(stdout.split("\n")), code };
  }

  it("a warning about Postgres closing a connection in order that comes just before the process's own stop signal is info: Ctrl-C stops Postgres and the app at the same instant", async () => {
    const { lines, code } = await runLogging(
      `log.warn({ err: adminShutdown }, "pg-boss lost its database connection; it reconnects by itself");
       console.error("logged"); setTimeout(() => {}, 10_000);`,
      "logged",
    );
    expect(code).toBe(0);
    expect(lines.map((l) => [l.level, l.msg, l.err?.code])).toEqual([
      [30, "pg-boss lost its database connection; it reconnects by itself", "57P01"],
      [30, "stopping", undefined],
    ]);
  });

  it("a process's last lines are written, in order, when it exits at once while libuv's thread pool is busy", async () => {
    // Sixteen slow hashes fill the pool, where an asynchronous stream's write would wait its turn.
    const { lines, code } = await runLogging(
      `const crypto = require("node:crypto");
       for (let i = 0; i < 16; i++) crypto.pbkdf2("secret", "salt", 200_000, 64, "sha512", () => {});
       log.info("first"); log.info("second"); process.exit(0);`,
    );
    expect(code).toBe(0);
    expect(lines.map((l) => l.msg)).toEqual(["first", "second"]);
  });

  it("a process that exits while such a warning waits still writes it, as a warning", async () => {
    const { lines, code } = await runLogging(`log.warn({ err: adminShutdown }, "could not remove worker metrics"); process.exit(3);`);
    expect(code).toBe(3);
    expect(lines.map((l) => [l.level, l.msg, l.err?.code])).toEqual([[40, "could not remove worker metrics", "57P01"]]);
  });
});
