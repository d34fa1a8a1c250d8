import { afterAll, describe, expect, it } from "vitest";
import { closeDb, getPool } from "@/db/client";
import { useTestDatabase } from "@/db/testing/database";
import { liveSale } from "@/db/testing/live-sale";
import { captureLogLines } from "@/db/testing/log-lines";
import { buy, signInShoppers } from "@/db/testing/shoppers";
import { stallProxy } from "@/db/testing/stall-proxy";

// A failover, or a NAT that forgets a connection: the web's open connections to Postgres go silent for
// good, no reset and no error, while a new connection reaches a working server. Without a limit of its
// own the app waits on those connections as long as the kernel retransmits, about 15 minutes: a query
// sent on one is never answered and the request gets 503 at its deadline, and a busy process, whose
// every connection was open at that moment, answers every Buy so for that long. PG_SOCKET_TIMEOUT
// closes a connection whose query has heard nothing for that long (2 s here; 30 s by default).
const SOCKET_TIMEOUT_S = 2;
process.env.PG_SOCKET_TIMEOUT = String(SOCKET_TIMEOUT_S);

const db = useTestDatabase();
const capture = captureLogLines();
afterAll(() => capture.stop());

describe("the web's connections to Postgres dropped without a word", () => {
  it("Buys are answered 503 for a moment, then accepted on new connections, without the old ones ever coming back", async () => {
    const { id: saleId } = await liveSale({ name: "Failover", stock: 100 });
    const shoppers = await signInShoppers(40, "failover");
    const target = new URL(db.url);
    const proxy = await stallProxy({ host: target.hostname, port: Number(target.port) });
    await closeDb();
    process.env.DATABASE_URL = proxy.urlFor(db.url);
    try {
      // Every connection the process has is open, through the proxy, as in a busy web process: the
      // pool's (ten queries at once) and the admission statements' (Buys at once).
      await Promise.all(Array.from({ length: 10 }, () => getPool().sql`SELECT pg_sleep(0.2)`));
      const warm = await Promise.all(shoppers.slice(0, 8).map((cookie) => buy(saleId, cookie)));
      expect(warm.map((r) => r.status)).toEqual(Array(8).fill(202));
      expect(proxy.strand()).toBeGreaterThan(0);
      const strandedAt = Date.now();

      const answers: { status: number; code?: string; retryAfter: string | null; at: number }[] = [];
      for (const cookie of shoppers.slice(8)) {
        const res = await buy(saleId, cookie);
        answers.push({ status: res.status, code: res.json?.error?.code, retryAfter: res.headers.get("retry-after"), at: Date.now() - strandedAt });
        if (res.status === 202 || Date.now() - strandedAt > 30_000) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const accepted = answers.find((a) => a.status === 202);
      // Accepted within the socket timeout and a few seconds more (reconnecting, and the backlog count
      // that failed with its connection counted again), not after minutes.
      expect(accepted, JSON.stringify(answers)).toBeDefined();
      expect(accepted!.at).toBeLessThan(SOCKET_TIMEOUT_S * 1000 + 4_000);
      // Until then, each was told to come back, as for any database outage.
      for (const a of answers.filter((a) => a.status !== 202)) expect(a).toMatchObject({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });
      // The accepted orders are in the database, each with its job.
      const [counts] = await db.sql<{ orders: number; jobs: number }[]>`
        SELECT count(*)::int AS orders,
          (SELECT count(*)::int FROM pgboss.job j WHERE j.name = 'place-order' AND (j.data->>'orderId')::uuid IN (SELECT id FROM orders WHERE sale_id = ${saleId})) AS jobs
        FROM orders WHERE sale_id = ${saleId}`;
      expect(counts).toEqual({ orders: 9, jobs: 9 });
    } finally {
      await closeDb(1);
      process.env.DATABASE_URL = db.url;
      await proxy.close();
    }
  }, 60_000);
});
