import { parseArgs } from "node:util";
import postgres from "postgres";
import { createLiveSale, createShoppers } from "./data";
import { closedLoop, newPool } from "./load";
import { drain, floorPath } from "./phases";
import { rssMiB, startStack } from "./stack";
import { metricsText } from "./web-metrics";

// `npm run bench:memory [-- --rounds 6 --requests 10000 --port 3307]`: whether memory levels off or
// keeps growing under repeated load. Each round sends `requests` floor requests and as many Buys
// (a new sale each round, stock for all, the worker draining them), then reads the web and worker
// RSS from /proc and the web's V8 heap from its /api/metrics. A leak climbs round after round; a heap
// growing to its working size climbs in the first round and then stays.

const { values: flags } = parseArgs({
  options: { rounds: { type: "string", default: "6" }, requests: { type: "string", default: "10000" }, port: { type: "string", default: "3307" } },
});
const rounds = Number(flags.rounds);
const requests = Number(flags.requests);
if (!(rounds > 0 && requests > 0)) throw new Error("--rounds and --requests must be positive numbers");

const mib = (bytes: number) => Math.round(bytes / 1048576);

async function heap(origin: string): Promise<{ heapUsedMiB: number; heapTotalMiB: number }> {
  const text = await metricsText(origin);
  const value = (name: string) => Number(text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, "m"))?.[1] ?? 0);
  return { heapUsedMiB: mib(value("nodejs_heap_size_used_bytes")), heapTotalMiB: mib(value("nodejs_heap_size_total_bytes")) };
}

async function main() {
  const stack = await startStack({ port: Number(flags.port), workers: 1, log: (line) => console.log(line) });
  const sql = postgres(stack.url, { max: 4, onnotice: () => {} });
  const pool = newPool(stack.origin, 200);
  try {
    const shoppers = await createShoppers({ sql, count: requests * rounds, secret: stack.sessionSecret });
    console.log(`start: web RSS ${rssMiB(stack.web.pid)} MiB, worker RSS ${rssMiB(stack.workers[0]?.pid)} MiB`);
    for (let round = 1; round <= rounds; round++) {
      const saleId = await createLiveSale({ sql, name: `Memory round ${round}`, stock: requests });
      const buyers = shoppers.slice((round - 1) * requests, round * requests);
      await closedLoop({ pool, count: requests, concurrency: 200, maxSeconds: 300, shot: (i) => ({ method: "POST", path: floorPath, cookie: buyers[i]!.cookie }) });
      await closedLoop({ pool, count: requests, concurrency: 200, maxSeconds: 300, shot: (i) => ({ method: "POST", path: `/api/sales/${saleId}/orders`, cookie: buyers[i]!.cookie }) });
      await drain({ sql, saleId, timeoutMs: 120_000 });
      const { heapUsedMiB, heapTotalMiB } = await heap(stack.origin);
      console.log(`round ${round}: web RSS ${rssMiB(stack.web.pid)} MiB (V8 heap ${heapUsedMiB} used of ${heapTotalMiB}), worker RSS ${rssMiB(stack.workers[0]?.pid)} MiB`);
    }
  } finally {
    await sql.end();
    await pool.close();
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
