import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type AppStack } from "@/db/testing/app-stack";
import { jobsForSale, saleCounts } from "@/db/testing/counts";
import { useTestDatabase } from "@/db/testing/database";
import { pool, stopProcess, waitFor } from "@/db/testing/processes";
import { buyOver, fromClient, signIn } from "@/db/testing/remote";

// Scale-out and web faults over real HTTP: two production web processes and three workers on one
// Postgres, shoppers spread over both; then one web process is killed and started again mid-storm.

const BACKLOG_MAX = 300;

const db = useTestDatabase();
let stack: AppStack;

beforeAll(async () => {
  // The admission gate is opened (it has tests of its own): here every shopper must get an order.
  stack = await startStack({ databaseUrl: db.url, webs: 2, workers: 3, env: { ORDER_BACKLOG_MAX: String(BACKLOG_MAX), ORDER_ADMISSION_SLACK: "10" } });
});

afterAll(async () => {
  await stack?.stop();
});

async function liveSale(name: string, stock: number): Promise<string> {
  const [sale] = await db.sql`
    INSERT INTO sales (name, price_cents, original_price_cents, stock, remaining, starts_at, ends_at)
    VALUES (${name}, 1500, 3000, ${stock}, ${stock}, now() - interval '1 second', now() + interval '1 hour') RETURNING id`;
  return sale!.id as string;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

describe("scale-out", () => {
  it("two web processes and three workers sell exactly the stock, one order per shopper", async () => {
    const SHOPPERS = 800;
    const STOCK = 250;
    const saleId = await liveSale("Scale-out", STOCK);
    const webs = stack.webs.map((w) => w.url);
    const cookies = await pool(Array.from({ length: SHOPPERS }, (_, i) => () => signIn(webs[i % 2]!, `scale-${i}@example.com`, fromClient(i))), 40);
    // Every shopper clicks twice, each click to either web process: a session works on both.
    const clicks = shuffle(cookies.flatMap((cookie, shopper) => [0, 1].map(() => ({ cookie, shopper, web: webs[Math.floor(Math.random() * 2)]! }))));
    const answers = await pool(
      clicks.map(({ cookie, shopper, web }) => async () => {
        const res = await buyOver(web, saleId, cookie, fromClient(shopper));
        return { shopper, status: res.status, code: res.json?.error?.code as string | undefined, orderId: res.json?.order?.id as string | undefined };
      }),
      80,
    );
    // 202 new, 200 a repeat, 410 once the workers have sold the last unit, and 503 `busy` whenever the
    // line outgrows this stack's backlog bound (300) before the workers catch up: the bound holding.
    expect(answers.filter((a) => ![200, 202, 410].includes(a.status) && !(a.status === 503 && a.code === "busy"))).toEqual([]);
    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted.length).toBeGreaterThanOrEqual(STOCK);
    // A shopper's two clicks, wherever they landed, name one order.
    const idsByShopper = new Map<number, Set<string>>();
    for (const a of answers.filter((x) => x.orderId)) idsByShopper.set(a.shopper, (idsByShopper.get(a.shopper) ?? new Set()).add(a.orderId!));
    expect([...idsByShopper.values()].filter((ids) => ids.size !== 1)).toEqual([]);

    await waitFor(async () => ((await saleCounts(db.sql, saleId)).pending === 0 ? true : undefined), 60_000, "every order to be final");
    const counts = await saleCounts(db.sql, saleId);
    expect(counts).toMatchObject({ completed: STOCK, remaining: 0, pending: 0, orders: accepted.length, shoppers: accepted.length, sold_out: accepted.length - STOCK });
    expect(await jobsForSale(db.sql, saleId)).toBe(accepted.length);
    expect(stack.workers.filter((w) => w.exitCode === null && w.signalCode === null)).toHaveLength(3);
  });

  it("a web process killed and restarted mid-storm: shoppers retrying with their Idempotency-Key end with one order each", async () => {
    const SHOPPERS = 400;
    // Enough stock for everyone, so every shopper must end with exactly one completed order.
    const saleId = await liveSale("Web restart", SHOPPERS);
    const web = stack.webs[0]!;
    const cookies = await pool(Array.from({ length: SHOPPERS }, (_, i) => () => signIn(web.url, `restart-${i}@example.com`, fromClient(10_000 + i))), 40);

    let answered = 0;
    let cutOff = 0;
    const ids = new Map<number, Set<string>>();
    // One Buy, retried with the same Idempotency-Key while the server is unreachable or busy.
    const buyUntilAnswered = async (shopper: number, cookie: string, key: string) => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const res = await buyOver(web.url, saleId, cookie, { "idempotency-key": key, ...fromClient(10_000 + shopper) }).catch(() => undefined);
        if (res && (res.status === 202 || res.status === 200)) {
          ids.set(shopper, (ids.get(shopper) ?? new Set()).add(res.json.order.id));
          return;
        }
        if (res) expect(res.status).toBe(503);
        else cutOff++;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`shopper ${shopper} got no answer`);
    };
    const shoppers = cookies.map((cookie, shopper) => async () => {
      const key = `buy-${shopper}-${Math.random().toString(36).slice(2)}`;
      await buyUntilAnswered(shopper, cookie, key);
      answered++;
      // A client that lost the first answer cannot tell it was given: some ask again.
      if (shopper % 4 === 0) await buyUntilAnswered(shopper, cookie, key);
    });
    const storm = pool(shoppers, 30);
    await waitFor(async () => (answered >= SHOPPERS / 4 ? true : undefined), 60_000, "a quarter of the shoppers to be answered");
    await stack.restartWeb(0, "SIGKILL");
    await storm;

    // The restart really cut shoppers off, and every one of them ended with one order.
    expect(cutOff).toBeGreaterThan(0);
    expect(ids.size).toBe(SHOPPERS);
    expect([...ids.values()].filter((s) => s.size !== 1)).toEqual([]);
    await waitFor(async () => ((await saleCounts(db.sql, saleId)).pending === 0 ? true : undefined), 60_000, "every order to be final");
    expect(await saleCounts(db.sql, saleId)).toMatchObject({ orders: SHOPPERS, shoppers: SHOPPERS, completed: SHOPPERS, remaining: 0 });
    expect(await jobsForSale(db.sql, saleId)).toBe(SHOPPERS);
  });

  it("the per-shopper rate limit holds per process: at most two processes' worth of a script's clicks get through", async () => {
    const saleId = await liveSale("Rate limit", 10);
    const webs = stack.webs.map((w) => w.url);
    const cookie = await signIn(webs[0]!, "script@example.com", fromClient(20_000));
    const started = performance.now();
    const answers = await pool(Array.from({ length: 80 }, (_, i) => () => buyOver(webs[i % 2]!, saleId, cookie, fromClient(20_000))), 8);
    const seconds = (performance.now() - started) / 1000;
    const limited = answers.filter((a) => a.status === 429);
    // Each process lets through its burst (10) plus 5 a second; with two processes, twice that.
    const allowed = 2 * (10 + 5 * Math.ceil(seconds + 1));
    expect(answers.filter((a) => ![200, 202, 429].includes(a.status))).toEqual([]);
    expect(answers.length - limited.length).toBeLessThanOrEqual(allowed);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((a) => a.json.error.code === "rate_limited" && Number(a.headers.get("retry-after")) >= 1)).toBe(true);
    // Both processes limited the script, and it still has exactly one order.
    expect(new Set(answers.map((a, i) => (a.status === 429 ? i % 2 : -1)).filter((w) => w >= 0)).size).toBe(2);
    expect((await saleCounts(db.sql, saleId)).orders).toBe(1);
  });

  it("the backlog bound holds across two web processes while no worker drains", async () => {
    // The workers stop: every accepted order stays pending, so the backlog only grows.
    await Promise.all(stack.workers.splice(0).map((w) => stopProcess(w)));
    await waitFor(async () => ((await db.sql`SELECT count(*)::int AS n FROM orders WHERE status = 'pending'`)[0]!.n === 0 ? true : undefined), 30_000, "no order pending");
    const SHOPPERS = 700;
    const saleId = await liveSale("Backlog", 10_000);
    const webs = stack.webs.map((w) => w.url);
    const cookies = await pool(Array.from({ length: SHOPPERS }, (_, i) => () => signIn(webs[i % 2]!, `backlog-${i}@example.com`, fromClient(30_000 + i))), 40);
    const answers = await pool(cookies.map((cookie, i) => () => buyOver(webs[i % 2]!, saleId, cookie, fromClient(30_000 + i))), 60);

    expect(answers.filter((a) => a.status !== 202 && a.status !== 503)).toEqual([]);
    const busy = answers.filter((a) => a.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy.every((a) => a.json.error.code === "busy" && Number(a.headers.get("retry-after")) >= 1)).toBe(true);
    // Each process never lets the backlog past the bound plus one; the other's admissions reach it within 250 ms, so
    // the two together overshoot by at most what one admits in that window, never up to 2 × the bound.
    const accepted = answers.filter((a) => a.status === 202).length;
    const counts = await saleCounts(db.sql, saleId);
    expect(counts.pending).toBe(accepted);
    expect(accepted).toBeGreaterThanOrEqual(BACKLOG_MAX);
    expect(accepted).toBeLessThan(2 * BACKLOG_MAX);
    console.log(`backlog bound ${BACKLOG_MAX} with two web processes: ${accepted} admitted, ${busy.length} told busy`);

    // Workers back: the line drains and every shopper told busy gets in by retrying, as a browser
    // does after Retry-After (at most ten rounds, each once the line has drained).
    stack.startWorker();
    stack.startWorker();
    let waiting = answers.flatMap((a, i) => (a.status === 503 ? [i] : []));
    for (let round = 0; round < 10 && waiting.length > 0; round++) {
      await waitFor(async () => ((await saleCounts(db.sql, saleId)).pending === 0 ? true : undefined), 60_000, "the backlog to drain");
      const retried = await pool(waiting.map((i) => () => buyOver(webs[i % 2]!, saleId, cookies[i]!, fromClient(30_000 + i))), 30);
      expect(retried.filter((a) => a.status !== 202 && a.status !== 503)).toEqual([]);
      waiting = waiting.filter((_, k) => retried[k]!.status === 503);
    }
    expect(waiting).toEqual([]);
    expect((await saleCounts(db.sql, saleId)).orders).toBe(SHOPPERS);
  });
});
