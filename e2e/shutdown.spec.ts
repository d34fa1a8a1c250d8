import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import net from "node:net";
import path from "node:path";
import { portNear } from "../db/testing/app-stack";
import { lockSalesTable } from "../db/testing/held-work";
import { spawnWeb, waitForHttp } from "../jobs/launch";
import { expect, shopperEmail, test } from "./fixtures";

// Times are performance.now(): sub-millisecond, so "before SIGTERM" is an order, not a same-millisecond tie.
// `sentAt`: when the whole request had been written to the server's connection (unset if it never was).
type Answer = { status?: number; body?: string; cookie?: string; error?: string; sentAt?: number; answeredAt: number };

/** One request on a connection of its own, so a refused connection is told apart from a lost answer. */
function send(port: number, method: "GET" | "POST", urlPath: string, options: { cookie?: string; json?: unknown } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    let sentAt: number | undefined;
    const body = options.json === undefined ? undefined : JSON.stringify(options.json);
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: urlPath,
        method,
        agent: false,
        headers: { ...(body ? { "content-type": "application/json" } : {}), ...(options.cookie ? { cookie: options.cookie } : {}) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode, body: text, cookie: String(res.headers["set-cookie"] ?? "").split(";")[0], sentAt, answeredAt: performance.now() }),
        );
      },
    );
    // "finish" comes once the request is written to a connected socket: a refused connection never gets it.
    req.on("finish", () => (sentAt = performance.now()));
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message, sentAt, answeredAt: performance.now() }));
    req.end(body);
  });
}

const post = (port: number, urlPath: string, options: { cookie?: string; json?: unknown } = {}) => send(port, "POST", urlPath, options);

/** A second web process of our own on the e2e database, so stopping it leaves the shared one up. */
async function ownWeb() {
  const port = await portNear((Number(process.env.E2E_PORT) || 3210) + 1);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "flash-sale-shutdown-"));
  const web = spawnWeb({
    port,
    env: {
      ...process.env,
      DATABASE_URL: process.env.E2E_DATABASE_URL,
      DATA_DIR: dataDir,
      SESSION_SECRET: "shutdown-test-session-secret-0123456789",
      LOG_LEVEL: "warn",
      // Every shopper here comes from 127.0.0.1: the per-address limits would be the test, not SIGTERM.
      RATE_LIMIT_LOGIN_PER_MINUTE: "100000",
      RATE_LIMIT_IP_PER_SECOND: "100000",
      ORDER_BACKLOG_MAX: "100000",
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => web.once("exit", (code) => resolve(code)));
  const cleanUp = () => {
    if (web.exitCode === null && web.signalCode === null) web.kill("SIGKILL");
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitForHttp(`http://127.0.0.1:${port}/api/health`, 60_000);
  } catch (err) {
    cleanUp();
    throw err;
  }
  return { port, web, exited, cleanUp };
}

test("SIGTERM during a storm answers every request in flight, loses no order, and exits 0", async ({ db, createSale }) => {
  test.setTimeout(120_000);
  const { port, web, exited, cleanUp } = await ownWeb();
  try {
    const sale = await createSale({ stock: 1000 });

    const cookies: string[] = [];
    for (let i = 0; i < 300; i++) {
      const signIn = await post(port, "/api/session", { json: { email: shopperEmail(`term${i}`) } });
      expect(signIn.status).toBe(200);
      cookies.push(signIn.cookie!);
    }

    // The storm: 30 Buys in flight at a time; SIGTERM lands once a third have been answered.
    let sigtermAt = 0;
    let next = 0;
    const answers: Answer[] = [];
    await Promise.all(
      Array.from({ length: 30 }, async () => {
        while (next < cookies.length) {
          const cookie = cookies[next++]!;
          const answer = await post(port, `/api/sales/${sale.id}/orders`, { cookie });
          answers.push(answer);
          if (!sigtermAt && answers.length >= 100) {
            sigtermAt = performance.now();
            web.kill("SIGTERM");
          }
        }
      }),
    );
    expect(await exited).toBe(0);

    // Every request fully sent before SIGTERM got an HTTP status, none a reset; and some were still
    // open at SIGTERM, so this is not vacuous.
    const inFlight = answers.filter((a) => a.sentAt !== undefined && a.sentAt < sigtermAt);
    expect(inFlight.filter((a) => a.status === undefined), `of ${inFlight.length} requests sent before SIGTERM, unanswered`).toEqual([]);
    expect(inFlight.filter((a) => a.answeredAt > sigtermAt).length, "requests sent before SIGTERM and answered after it").toBeGreaterThan(0);
    // So a request without an answer was sent after SIGTERM: its connection was refused, or reset unread.
    for (const a of answers.filter((x) => x.status === undefined)) expect(["ECONNREFUSED", "ECONNRESET"]).toContain(a.error);
    // Every answer is a Buy: accepted, nothing else (no 5xx on the way down).
    const accepted = answers.filter((a) => a.status === 202);
    expect(answers.filter((a) => a.status !== undefined && a.status !== 202)).toEqual([]);

    // Nothing lost: every accepted order exists with its job, and no order exists that was not answered.
    const ids = accepted.map((a) => (JSON.parse(a.body!) as { order: { id: string } }).order.id);
    const [row] = await db`
      SELECT (SELECT count(*)::int FROM orders WHERE sale_id = ${sale.id}) AS orders,
             (SELECT count(*)::int FROM orders WHERE id = ANY(${ids}::uuid[])) AS answered,
             (SELECT count(*)::int FROM pgboss.job WHERE name = 'place-order' AND data->>'saleId' = ${sale.id}) AS jobs`;
    expect(row).toEqual({ orders: accepted.length, answered: accepted.length, jobs: accepted.length });
  } finally {
    cleanUp();
  }
});

test("SIGTERM with requests stuck on the database: each is answered at its 8 s deadline, inside the 10 s drain, and the web exits 0 within the 15 s npm start gives it", async ({ db }) => {
  test.setTimeout(90_000);
  const { port, web, exited, cleanUp } = await ownWeb();
  // An operator's migration holds the sales table: the list of sales waits on it, and so does every
  // query of the web's pool that reads it.
  const lock = await lockSalesTable(process.env.E2E_DATABASE_URL!);
  try {
    // The home page renders the list on the server; the API answers it as JSON.
    const sentAt = performance.now();
    const stuckPage = send(port, "GET", "/");
    const stuckApi = send(port, "GET", "/api/sales");
    const waiting = async () => (await db`SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'sales'::regclass AND NOT granted`)[0]!.n as number;
    await expect.poll(waiting, { timeout: 10_000 }).toBeGreaterThan(1);
    const sigtermAt = performance.now();
    web.kill("SIGTERM");
    const code = await exited;
    const exitedAfterMs = performance.now() - sigtermAt;
    expect(code).toBe(0);
    // Both got an answer, not a reset: the API its 503, the page its error view.
    const [page, api] = [await stuckPage, await stuckApi];
    expect([api.status, JSON.parse(api.body!).error?.code]).toEqual([503, "unavailable"]);
    // Next answers a page that failed on the server with its error shell (the browser then shows app/error.tsx).
    expect([page.error, page.status, page.body?.includes('id="__next_error__"')]).toEqual([undefined, 500, true]);
    for (const answer of [page, api]) {
      // At the 8 s deadline from when each was sent (not cut short by the stop), inside the drain.
      expect(answer.answeredAt - sentAt).toBeGreaterThan(7_500);
      expect(answer.answeredAt - sigtermAt).toBeLessThan(10_000);
    }
    // Then the web's connections to Postgres, still waiting on the table, were given 2 s.
    expect(exitedAfterMs).toBeLessThan(15_000);
  } finally {
    await lock.release();
    cleanUp();
  }
});

test("SIGTERM with a client that sent half a request and stalled: its connection is cut at the end of the 10 s drain, and the web exits 0 within the 15 s", async () => {
  test.setTimeout(60_000);
  const { port, web, exited, cleanUp } = await ownWeb();
  const socket = net.connect(port, "127.0.0.1");
  try {
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    // A request line and one header, then nothing: a stalled client (or a slow-loris one) holds the
    // connection open, and the server's own header timeout is a minute away.
    socket.write("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const cutAt = new Promise<number>((resolve) => socket.once("close", () => resolve(performance.now())));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sigtermAt = performance.now();
    web.kill("SIGTERM");
    const code = await exited;
    const exitedAt = performance.now();
    expect(code).toBe(0);
    // Not the first 10 s: the drain waits for requests in flight. Then the connection is closed, at the
    // drain's end and by the server, before it exits (an exit would close it too, later).
    const cut = await cutAt;
    expect(cut - sigtermAt).toBeGreaterThan(9_000);
    expect(cut - sigtermAt).toBeLessThan(11_500);
    expect(cut).toBeLessThanOrEqual(exitedAt);
    expect(exitedAt - sigtermAt).toBeLessThan(15_000);
  } finally {
    socket.destroy();
    cleanUp();
  }
});
