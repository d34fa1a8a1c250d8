import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STACK_ADMIN_PASSWORD, startStack, type AppStack } from "@/db/testing/app-stack";
import { saleCounts } from "@/db/testing/counts";
import { useTestDatabase } from "@/db/testing/database";
import { waitFor } from "@/db/testing/processes";
import { buyOver, fromClient, request, signIn } from "@/db/testing/remote";
import { treeRss } from "@/jobs/process-tree";

// The soak: SOAK_WARMUP_SECONDS (90 by default) and then SOAK_SECONDS (120) of steady mixed traffic on
// one web process and one worker: shoppers sign in, open the sale page, buy and poll until their order
// is final; an operator keeps refreshing the admin's sales list, live counters and orders, and the
// metrics; a small sale sells out now and then. Not one answer may be an error, and once the warm-up
// is over neither process's memory may keep growing. The warm-up is as long as it is because V8 grows
// a heap step by step to what the traffic needs: at this traffic the web's takes a minute and a half
// to reach its working size (~500 MB), and a check that starts earlier measures that growth.

const SOAK_WARMUP_SECONDS = Number(process.env.SOAK_WARMUP_SECONDS) || 90;
const SOAK_SECONDS = Number(process.env.SOAK_SECONDS) || 120;
const SHOPPER_LOOPS = 6;
const SAMPLE_MS = 2000;

const db = useTestDatabase();
let stack: AppStack;

beforeAll(async () => {
  stack = await startStack({ databaseUrl: db.url, webs: 1, workers: 1 });
});

afterAll(async () => {
  await stack?.stop();
});

async function liveSale(name: string, stock: number): Promise<string> {
  const [sale] = await db.sql`
    INSERT INTO sales (name, price_cents, original_price_cents, stock, remaining, starts_at, ends_at)
    VALUES (${name}, 1200, 2400, ${stock}, ${stock}, now() - interval '1 second', now() + interval '1 hour') RETURNING id`;
  return sale!.id as string;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

describe("soak", () => {
  it(`${SOAK_WARMUP_SECONDS} s of warm-up and ${SOAK_SECONDS} s of mixed traffic: no error, web and worker memory flat`, { timeout: (SOAK_WARMUP_SECONDS + SOAK_SECONDS + 120) * 1000 }, async () => {
    const web = stack.webs[0]!;
    const bigSale = await liveSale("Soak", 1_000_000);
    let smallSale = await liveSale("Soak small", 20);
    let isReplacing = false;
    const measuredFrom = Date.now() + SOAK_WARMUP_SECONDS * 1000;
    const deadline = measuredFrom + SOAK_SECONDS * 1000;
    const unexpected: string[] = [];
    const tally = { signIns: 0, buys: 0, soldOut: 0, polls: 0, pages: 0, refreshes: 0 };
    const expectStatus = (what: string, res: { status: number; text: string }, ok: number[]) => {
      if (!ok.includes(res.status)) unexpected.push(`${what}: ${res.status} ${res.text.slice(0, 160)}`);
      return ok.includes(res.status);
    };

    const samples: { at: number; web: number; worker: number }[] = [];
    const sampler = setInterval(() => {
      samples.push({ at: Date.now(), web: treeRss(web.child.pid!), worker: treeRss(stack.workers[0]!.pid!) });
    }, SAMPLE_MS);

    let shopperCount = 0;
    const shopperLoop = async () => {
      while (Date.now() < deadline) {
        const n = shopperCount++;
        const client = fromClient(40_000 + n);
        const cookie = await signIn(web.url, `soak-${n}@example.com`, client);
        tally.signIns++;
        // Every third shopper goes for the small sale, which sells out and is replaced.
        const saleId = n % 3 === 0 ? smallSale : bigSale;
        if (n % 5 === 0 && expectStatus("sale page", await request(`${web.url}/sales/${saleId}`), [200])) tally.pages++;
        const bought = await buyOver(web.url, saleId, cookie, { "idempotency-key": `soak-${n}`, ...client });
        tally.buys++;
        if (bought.status === 410 && saleId !== bigSale) {
          tally.soldOut++;
          // The first shopper to meet the sell-out puts the next small sale up (one at a time).
          if (smallSale === saleId && !isReplacing) {
            isReplacing = true;
            smallSale = await liveSale(`Soak small ${n}`, 20);
            isReplacing = false;
          }
          continue;
        }
        if (!expectStatus("buy", bought, [202])) continue;
        // Polled as the sale page does until the order is final: still pending after 10 s is a finding.
        for (let poll = 0; ; poll++) {
          const order = await request(`${web.url}${bought.json.statusUrl}`, { cookie });
          tally.polls++;
          if (!expectStatus("poll", order, [200]) || order.json.order.status !== "pending") break;
          if (poll === 100) {
            unexpected.push(`order ${bought.json.order.id} still pending after 100 polls (10 s)`);
            break;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const signedIn = await request(`${web.url}/api/admin/session`, { method: "POST", body: { password: STACK_ADMIN_PASSWORD } });
    expect(signedIn.status).toBe(200);
    const admin = signedIn.headers.get("set-cookie")!.split(";")[0]!;
    // The admin's live view refreshes its counters every second; the operator also scrapes metrics.
    const operatorLoop = async () => {
      while (Date.now() < deadline) {
        const paths = ["/api/admin/sales", `/api/admin/sales/${bigSale}/stats`, `/api/admin/sales/${bigSale}/orders`, "/api/sales", "/api/metrics", "/api/health", "/"];
        for (const path of paths) {
          expectStatus(`refresh ${path}`, await request(`${web.url}${path}`, { cookie: admin }), [200]);
          tally.refreshes++;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    await Promise.all([...Array.from({ length: SHOPPER_LOOPS }, shopperLoop), operatorLoop()]);
    clearInterval(sampler);

    expect(unexpected).toEqual([]);
    expect(stack.output.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
    await waitFor(async () => ((await saleCounts(db.sql, bigSale)).pending === 0 ? true : undefined), 30_000, "the soak's orders to be final");
    const big = await saleCounts(db.sql, bigSale);
    expect(big.stock).toBe(big.remaining + big.completed);
    // The small sales, which sold out one after another: each sold exactly its stock (once a Buy was
    // told sold out, the orders in line held every unit left), the one still up no more than its stock.
    const smallSales = await db.sql<{ id: string }[]>`SELECT id FROM sales WHERE name LIKE 'Soak small%'`;
    expect(smallSales.length).toBeGreaterThan(1);
    for (const { id } of smallSales) {
      await waitFor(async () => ((await saleCounts(db.sql, id)).pending === 0 ? true : undefined), 30_000, "the small sales' orders to be final");
      const small = await saleCounts(db.sql, id);
      expect(small.stock).toBe(small.remaining + small.completed);
      if (id !== smallSale) expect(small.completed, "a small sale that sold out").toBe(small.stock);
    }

    // Flat memory: after the warm-up, the second half's mean RSS is within 15% (plus 24 MB of
    // allocator slack) of the first half's. With the default two minutes the halves' means are a minute
    // apart, so steady growth of more than ~1.7 MB a second in the web (~0.7 in the worker) fails it;
    // the heap's own sawtooth (a major collection every few tens of seconds) stays inside it.
    const measured = samples.filter((s) => s.at >= measuredFrom);
    const first = measured.slice(0, Math.floor(measured.length / 2));
    const second = measured.slice(Math.floor(measured.length / 2));
    const report = (key: "web" | "worker") => ({ first: mean(first.map((s) => s[key])), second: mean(second.map((s) => s[key])) });
    const webRss = report("web");
    const workerRss = report("worker");
    console.log(
      `soak ${SOAK_WARMUP_SECONDS} + ${SOAK_SECONDS} s: ${JSON.stringify(tally)}; after the warm-up, web RSS ${mb(webRss.first)} → ${mb(webRss.second)} MB, ` +
        `worker RSS ${mb(workerRss.first)} → ${mb(workerRss.second)} MB (${measured.length} samples); ` +
        `every sample, s: web/worker MB: ${samples.map((s) => `${Math.round((s.at - samples[0]!.at) / 1000)}:${mb(s.web)}/${mb(s.worker)}`).join(" ")}`,
    );
    expect(measured.length).toBeGreaterThanOrEqual(6);
    expect(tally.buys).toBeGreaterThan(SOAK_SECONDS);
    for (const rss of [webRss, workerRss]) expect(rss.second).toBeLessThanOrEqual(rss.first * 1.15 + 24 * 1024 * 1024);
  });
});
