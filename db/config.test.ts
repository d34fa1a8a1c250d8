import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

// The settings an operator sets: every one checked at start, a bad one named (never echoed), and the
// tuning variables' defaults the ones the README's table states.

const TUNING = ["PG_POOL_MAX", "PG_CONNECT_TIMEOUT", "PG_SOCKET_TIMEOUT", "ADMISSION_TX_MAX", "ADMISSION_BATCH_MAX", "WORKER_BATCH_SIZE", "WORKER_LINGER_MS", "WORKER_CONCURRENCY", "WORKER_WAKE_MS", "KEEP_ALIVE_TIMEOUT_MS"];
const saved = { ...process.env };

afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

/** config() of a fresh module (it keeps its first answer) over the test's environment plus `env`. */
async function freshConfig(env: Record<string, string | undefined>) {
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  vi.resetModules();
  return import("./config");
}

const unset = Object.fromEntries(TUNING.map((name) => [name, undefined]));

describe("tuning variables", () => {
  it("default to the values the README's Configuration table states", async () => {
    const { config } = await freshConfig(unset);
    const cfg = config() as unknown as Record<string, unknown>;
    const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
    for (const name of TUNING) {
      const row = readme.split("\n").find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, `${name} has a row in the README's table`).toBeDefined();
      const documented = row!.split("|")[2]!.trim();
      if (name === "PG_POOL_MAX") {
        // Unset: each process sizes its own pool (README: "10 (web), 4 (worker)").
        expect(documented).toBe("10 (web), 4 (worker)");
        expect(cfg[name]).toBeUndefined();
      } else {
        expect(cfg[name], name).toBe(Number(documented));
      }
    }
  });

  it("are read from the environment when valid", async () => {
    const { config } = await freshConfig({
      PG_POOL_MAX: "6",
      PG_CONNECT_TIMEOUT: "1.5",
      PG_SOCKET_TIMEOUT: "0",
      ADMISSION_TX_MAX: "1",
      ADMISSION_BATCH_MAX: "200",
      WORKER_BATCH_SIZE: "10",
      WORKER_LINGER_MS: "0",
      WORKER_CONCURRENCY: "4",
      WORKER_WAKE_MS: "5",
      KEEP_ALIVE_TIMEOUT_MS: "65000",
    });
    expect(config()).toMatchObject({
      PG_POOL_MAX: 6,
      PG_CONNECT_TIMEOUT: 1.5,
      PG_SOCKET_TIMEOUT: 0,
      ADMISSION_TX_MAX: 1,
      ADMISSION_BATCH_MAX: 200,
      WORKER_BATCH_SIZE: 10,
      WORKER_LINGER_MS: 0,
      WORKER_CONCURRENCY: 4,
      WORKER_WAKE_MS: 5,
      KEEP_ALIVE_TIMEOUT_MS: 65_000,
    });
  });

  it.each([
    ["WORKER_BATCH_SIZE", "-5"],
    ["ADMISSION_TX_MAX", "abc"],
    ["PG_POOL_MAX", "0"],
    ["PG_CONNECT_TIMEOUT", "-1"],
    ["PG_SOCKET_TIMEOUT", "-1"],
    ["PG_SOCKET_TIMEOUT", "3601"],
    ["ADMISSION_BATCH_MAX", "1.5"],
    ["WORKER_LINGER_MS", "-1"],
    ["WORKER_LINGER_MS", "5001"],
    ["WORKER_CONCURRENCY", "1000"],
    ["WORKER_WAKE_MS", "soon"],
    ["KEEP_ALIVE_TIMEOUT_MS", "500"],
    ["KEEP_ALIVE_TIMEOUT_MS", "1h"],
  ])("%s=%s stops config() with an error naming it", async (name, value) => {
    const { config } = await freshConfig({ [name]: value });
    expect(() => config()).toThrow(new RegExp(`^  ${name}: `, "m"));
  });
});

describe("DATABASE_URL", () => {
  const password = "Tr0ub4dor#3";
  const malformed = `postgres://app:${password}@127.0.0.1:5432/flash`;

  it("that does not parse is refused by name, with how to fix it, and never echoed", async () => {
    const { config, databaseUrl } = await freshConfig({ DATABASE_URL: malformed });
    let message = "";
    try {
      config();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^ {2}DATABASE_URL: .*percent-encode/m);
    expect(message).toContain("%23");
    expect(message).not.toContain("Tr0ub4dor");
    // The live read (tests and `npm start` set it after start-up) refuses it the same way.
    expect(() => databaseUrl()).toThrow(/DATABASE_URL .*percent-encode/);
    expect(() => databaseUrl()).not.toThrow(/Tr0ub4dor/);
  });

  it.each([
    `postgres://app:${encodeURIComponent(password)}@127.0.0.1:5432/flash`,
    "postgresql://localhost/flash",
    "postgres://app@db.internal:5432/flash?sslmode=require",
    "postgresql:///flash?host=%2Frun%2Fpostgresql&port=5433&user=app&password=secret",
  ])("%s is accepted", async (url) => {
    const { config, databaseUrl } = await freshConfig({ DATABASE_URL: url });
    expect(config().DATABASE_URL).toBe(url);
    expect(databaseUrl()).toBe(url);
  });

  it.each(["postgresql:///flash?host=db.internal&port=abc", "postgresql:///flash?port=70000"])("%s: a port parameter that is no port is refused", async (url) => {
    const { config } = await freshConfig({ DATABASE_URL: url });
    expect(() => config()).toThrow(/^ {2}DATABASE_URL: its port parameter must be a port number \(1–65535\)$/m);
  });

  it("that is not a postgres URL says so", async () => {
    const { config } = await freshConfig({ DATABASE_URL: "mysql://app@127.0.0.1/flash" });
    expect(() => config()).toThrow(/^ {2}DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL$/m);
  });
});

describe("a variable set to nothing", () => {
  it("is unset, for every setting alike: its default, never a silent 0", async () => {
    const { config } = await freshConfig({ WORKERS: "", RATE_LIMIT_SHOPPER_BURST: "", WORKER_LINGER_MS: "", PORT: "", ORDER_BACKLOG_MAX: "", PG_CONNECT_TIMEOUT: "", HOST: "" });
    expect(config()).toMatchObject({ WORKERS: 1, RATE_LIMIT_SHOPPER_BURST: 10, WORKER_LINGER_MS: 50, PORT: 3000, PG_CONNECT_TIMEOUT: 3, HOST: "127.0.0.1" });
    expect(config().ORDER_BACKLOG_MAX).toBeUndefined();
  });

  it("HOST of spaces is refused, named", async () => {
    const { config } = await freshConfig({ HOST: "   " });
    expect(() => config()).toThrow(/HOST/);
  });
});

describe("a variable set to spaces alone", () => {
  it("is refused, named, for a number too: never read as 0", async () => {
    const { config } = await freshConfig({ WORKERS: " ", PG_SOCKET_TIMEOUT: "  ", WORKER_LINGER_MS: "\t", PORT: "3001" });
    expect(() => config()).toThrow(/^ {2}WORKERS: is only spaces/m);
    expect(() => config()).toThrow(/^ {2}PG_SOCKET_TIMEOUT: is only spaces/m);
    expect(() => config()).toThrow(/^ {2}WORKER_LINGER_MS: is only spaces/m);
    expect(() => config()).not.toThrow(/PORT/);
  });
});
