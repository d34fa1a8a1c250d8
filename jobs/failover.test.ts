import type { ChildProcess } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { saleCounts } from "@/db/testing/counts";
import { useTestDatabase } from "@/db/testing/database";
import { liveSale } from "@/db/testing/live-sale";
import { startWorker, stopProcess, waitFor } from "@/db/testing/processes";
import { buy, signInShoppers } from "@/db/testing/shoppers";
import { stallProxy } from "@/db/testing/stall-proxy";

// The worker's side of a failover: its connections to Postgres (pg-boss's pool and listener, the
// allocation's pool) go silent for good while new connections reach the server. Without a limit the
// worker's fetch would wait on its dead connection as long as the kernel retransmits, about 15 minutes,
// and every order admitted meanwhile would stay pending that long. With PG_SOCKET_TIMEOUT (2 s here)
// the dead connections are replaced and the orders are allocated within seconds.

const SOCKET_TIMEOUT_S = 2;
const db = useTestDatabase();
let worker: ChildProcess | undefined;
let proxy: Awaited<ReturnType<typeof stallProxy>> | undefined;

afterAll(async () => {
  if (worker) await stopProcess(worker, "SIGKILL");
  await proxy?.close();
});

describe("a worker whose connections are dropped without a word", () => {
  it("allocates the orders admitted after the failover within seconds, on new connections", async () => {
    const sale = await liveSale({ name: "Worker failover", stock: 100 });
    const shoppers = await signInShoppers(20, "wfailover");
    const target = new URL(db.url);
    proxy = await stallProxy({ host: target.hostname, port: Number(target.port) });
    // Only the worker goes through the proxy; the Buys (this process) reach Postgres directly.
    worker = startWorker(proxy.urlFor(db.url), { PG_SOCKET_TIMEOUT: String(SOCKET_TIMEOUT_S) });

    const completed = async (n: number) => ((await saleCounts(db.sql, sale.id)).completed >= n ? true : undefined);
    for (const cookie of shoppers.slice(0, 10)) expect((await buy(sale.id, cookie)).status).toBe(202);
    await waitFor(() => completed(10), 30_000, "the first ten orders allocated");

    expect(proxy.strand()).toBeGreaterThan(0);
    const strandedAt = Date.now();
    for (const cookie of shoppers.slice(10)) expect((await buy(sale.id, cookie)).status).toBe(202);
    await waitFor(() => completed(20), 60_000, "the orders admitted after the failover allocated");
    const took = Date.now() - strandedAt;
    // The socket timeout, pg-boss's retry of a batch that failed with its connection (1 s, then 2 s)
    // and its polling: seconds, not the minutes a dead connection is otherwise waited on.
    expect(took).toBeLessThan(20_000);
    expect(await saleCounts(db.sql, sale.id)).toMatchObject({ completed: 20, pending: 0, remaining: 80 });
  }, 120_000);
});
