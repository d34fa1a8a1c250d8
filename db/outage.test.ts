import fs from "node:fs";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type AppStack } from "./testing/app-stack";
import { saleCounts } from "./testing/counts";
import { ownCluster } from "./testing/own-cluster";
import { pool, waitFor } from "./testing/processes";
import { buyOver, fromClient, request, signIn } from "./testing/remote";
import { startEmbeddedPostgres, type EmbeddedCluster } from "./embedded";

// The database goes away in the middle of a storm and comes back on the same address. While it is
// down, Buy and /api/health answer 503 at once (JSON, Retry-After, no stack); afterwards both recover
// on their own, with no process restarted, and every order accepted before the outage completes.
// This file has a Postgres of its own, since stopping the shared one would take every test with it.

const SHOPPERS = 400;
const STOCK = 150;
// An answer while the database is down is due at once: the probe's Buy and health check must not wait
// behind reconnect attempts (as a Buy once did, behind one attempt per Buy of its failed group).
const PROBE_MS = 1000;
// Any attempt of the storm, including those in flight as the database went away.
const QUICK_MS = 3000;

let dir: string;
let cluster: EmbeddedCluster;
let url: string;
let sql: postgres.Sql;
let stack: AppStack;

beforeAll(async () => {
  ({ dir, cluster, url } = await ownCluster("outage", "outage", { persistent: true }));
  sql = postgres(url, { max: 2, onnotice: () => {} });
  stack = await startStack({ databaseUrl: url, webs: 1, workers: 1 });
});

afterAll(async () => {
  await stack?.stop();
  await sql?.end({ timeout: 1 }).catch(() => {});
  await cluster?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

type Attempt = { status: number; ms: number; code?: string; retryAfter: string | null; at: number; error?: string };

describe("database faults", () => {
  it("answers 503 at once while Postgres is down, recovers by itself and completes every accepted order", async () => {
    const web = stack.webs[0]!.url;
    const [sale] = await sql`
      INSERT INTO sales (name, price_cents, original_price_cents, stock, remaining, starts_at, ends_at)
      VALUES ('Outage', 900, 900, ${STOCK}, ${STOCK}, now() - interval '1 second', now() + interval '1 hour') RETURNING id`;
    const saleId = sale!.id as string;
    const cookies = await pool(Array.from({ length: SHOPPERS }, (_, i) => () => signIn(web, `outage-${i}@example.com`, fromClient(i))), 20);

    let downAt = Infinity;
    let upAt = Infinity;
    const attempts: Attempt[] = [];
    const accepted: string[] = [];
    let answered = 0;

    // Each shopper clicks Buy until the app gives a final answer, waiting as Retry-After says (capped),
    // as a browser's retry would. Bounded: at most 120 tries each.
    const shoppers = cookies.map((cookie, shopper) => async () => {
      for (let i = 0; i < 120; i++) {
        const started = performance.now();
        let a: Attempt;
        try {
          const res = await buyOver(web, saleId, cookie, { "idempotency-key": `outage-${shopper}`, ...fromClient(shopper) });
          a = { status: res.status, ms: performance.now() - started, code: res.json?.error?.code, retryAfter: res.headers.get("retry-after"), at: Date.now() };
          if (res.status === 202) accepted.push(res.json.order.id);
        } catch (err) {
          a = { status: 0, ms: performance.now() - started, retryAfter: null, at: Date.now(), error: String(err) };
        }
        attempts.push(a);
        if (a.status === 202 || a.status === 200 || a.status === 410) {
          answered++;
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(1000, 1000 * Number(a.retryAfter ?? 1))));
      }
    });
    const storm = pool(shoppers, 25);

    await waitFor(async () => (answered >= SHOPPERS / 3 ? true : undefined), 60_000, "a third of the shoppers to be answered");
    downAt = Date.now();
    await cluster.stop();

    // While it is down: the order endpoint and the health check say 503, quickly, in the contract's shape.
    const probeCookie = await signIn(web, "outage-probe@example.com", fromClient(SHOPPERS)).catch(() => cookies[0]!);
    const probeMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const buy = await buyOver(web, saleId, probeCookie, fromClient(SHOPPERS));
      probeMs.push(Math.round(performance.now() - t0));
      expect(probeMs.at(-1)).toBeLessThan(PROBE_MS);
      expect(buy.status).toBe(503);
      expect(buy.json).toEqual({ error: { code: "unavailable", message: expect.any(String) } });
      expect(Number(buy.headers.get("retry-after"))).toBeGreaterThan(0);
      const t1 = performance.now();
      const health = await request(`${web}/api/health`);
      expect(performance.now() - t1).toBeLessThan(PROBE_MS);
      expect(health.status).toBe(503);
      expect(health.json?.error?.code).toBe("unavailable");
      await new Promise((r) => setTimeout(r, 1000));
    }

    console.log(`outage: Buys answered 503 in ${probeMs.join(", ")} ms while Postgres was down`);
    cluster = await startEmbeddedPostgres({ dir, persistent: true, port: cluster.port });
    upAt = Date.now();
    // Nothing was restarted: the web process and the worker reconnect by themselves.
    await waitFor(async () => ((await request(`${web}/api/health`)).status === 200 ? true : undefined), 30_000, "health to recover");
    await storm;

    // Every shopper got a final answer; no attempt hung or failed with a 500.
    expect(answered).toBe(SHOPPERS);
    expect(attempts.filter((a) => a.status !== 202 && a.status !== 200 && a.status !== 410 && a.status !== 503)).toEqual([]);
    expect(attempts.filter((a) => a.ms > QUICK_MS + 2000)).toEqual([]);
    const during = attempts.filter((a) => a.at > downAt + 500 && a.at < upAt);
    expect(during.length).toBeGreaterThan(0);
    // Any other answer is shown with how long after the stop it came and how long it took.
    const otherwise = during.filter((a) => !(a.status === 503 && (a.code === "unavailable" || a.code === "busy")));
    expect(otherwise.map((a) => ({ ...a, msAfterStop: a.at - downAt })), "answers while Postgres was down").toEqual([]);

    await waitFor(async () => ((await saleCounts(sql, saleId)).pending === 0 ? true : undefined), 90_000, "every order to be final").catch(async (err) => {
      console.log(await sql`SELECT state, count(*)::int, max(retry_count) FROM pgboss.job GROUP BY state`, await saleCounts(sql, saleId));
      console.log(stack.output.filter((l) => l.includes('"role":"worker"')).slice(-40).join("\n"));
      throw err;
    });
    const counts = await saleCounts(sql, saleId);
    expect(counts.completed).toBe(Math.min(STOCK, counts.orders));
    expect(counts.stock).toBe(counts.remaining + counts.completed);
    expect(counts.shoppers).toBe(counts.orders);
    const [final] = await sql`SELECT count(*)::int AS n FROM orders WHERE id = ANY(${accepted}::uuid[]) AND status IN ('completed', 'failed')`;
    expect(final!.n).toBe(accepted.length);
    // The worker lived through the outage.
    expect(stack.workers.every((w) => w.exitCode === null && w.signalCode === null)).toBe(true);
  });
});
