import { afterAll, describe, expect, it } from "vitest";
import { REQUEST_DEADLINE_MS } from "@/db/deadline";
import { closeDb } from "@/db/client";
import { useTestDatabase } from "@/db/testing/database";
import { call } from "@/db/testing/http";
import { captureLogLines } from "@/db/testing/log-lines";
import { stallProxy } from "@/db/testing/stall-proxy";
import { liveSale } from "@/db/testing/live-sale";
import { waitFor } from "@/db/testing/processes";
import { buy, signInShoppers } from "@/db/testing/shoppers";
import * as metrics from "./metrics/route";
import * as orders from "./orders/route";

// A database that stops answering on a connection already open (a network partition, a frozen
// server): no connect timeout fires and no error comes back, so without a deadline a request waits
// as long as the kernel keeps the connection, minutes.

const db = useTestDatabase();
const capture = captureLogLines();
afterAll(() => capture.stop());

/** Points the app's pool at Postgres through a proxy that can go silent; `restore` points it back. */
async function throughProxy() {
  const target = new URL(db.url);
  const proxy = await stallProxy({ host: target.hostname, port: Number(target.port) });
  await closeDb();
  process.env.DATABASE_URL = proxy.urlFor(db.url);
  return {
    ...proxy,
    restore: async () => {
      proxy.resume();
      await closeDb();
      process.env.DATABASE_URL = db.url;
      await proxy.close();
    },
  };
}

describe("a database that stops answering on an open connection", () => {
  it("answers a request 503 with Retry-After after the deadline, not never, and serves again once the database answers", async () => {
    const [shopper] = await signInShoppers(1, "partition");
    // A shopper's orders: read from the database on every request.
    const read = () => call(orders.GET, "/api/orders", { cookie: shopper! });
    const proxy = await throughProxy();
    try {
      // The pool's connections are open, through the proxy.
      expect((await read()).status).toBe(200);
      proxy.stall();
      const from = capture.lines().length;
      const startedAt = Date.now();
      const stalled = await read();
      expect([stalled.status, stalled.json?.error?.code, stalled.headers.get("retry-after")]).toEqual([503, "unavailable", "2"]);
      expect(Date.now() - startedAt).toBeLessThan(REQUEST_DEADLINE_MS + 5_000);
      expect(capture.lines().slice(from).map((l) => [l.level, l.msg])).toContainEqual([40, `no answer from the database within ${REQUEST_DEADLINE_MS / 1000} s`]);

      proxy.resume();
      const again = await read();
      expect(again.status).toBe(200);
    } finally {
      await proxy.restore();
    }
  }, 60_000);

  it("times a Buy answered 503 at its deadline as rejected, though its order commits once the database answers", async () => {
    const sale = await liveSale({ name: "Stalled Buy", stock: 10 });
    const [first, late] = await signInShoppers(2, "stalled-buy");
    const metric = async (pattern: RegExp) => Number(pattern.exec((await call(metrics.GET, "/api/metrics")).text)?.[1] ?? 0);
    const timed = (outcome: string) => metric(new RegExp(`^order_admission_seconds_count\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)$`, "m"));
    const admitted = () => metric(/^orders_accepted_total\{[^}]*\} (\d+)$/m);
    const proxy = await throughProxy();
    try {
      expect((await buy(sale.id, first!)).status).toBe(202);
      const before = { accepted: await timed("accepted"), rejected: await timed("rejected"), admitted: await admitted() };
      proxy.stall();
      const answer = await buy(sale.id, late!);
      expect([answer.status, answer.json?.error?.code]).toEqual([503, "unavailable"]);
      proxy.resume();
      // The Buy's work went on past its answer: its order is admitted once the database answers.
      await waitFor(async () => ((await admitted()) === before.admitted + 1 ? true : undefined), 20_000, "the late order to be admitted");
      const [row] = await db.sql`SELECT count(*)::int AS n FROM orders WHERE sale_id = ${sale.id}`;
      expect(row!.n).toBe(2);
      // Timed once, as the 503 the shopper got, not as an acceptance nobody was told of.
      expect({ accepted: await timed("accepted"), rejected: await timed("rejected") }).toEqual({ accepted: before.accepted, rejected: before.rejected + 1 });
    } finally {
      await proxy.restore();
    }
  }, 60_000);

  it("still gets /api/metrics its web counters and process metrics, with database_up 0, within seconds", async () => {
    const proxy = await throughProxy();
    const up = (text: string) => /^database_up\{[^}]*\} (\d)$/m.exec(text)?.[1];
    try {
      const before = await call(metrics.GET, "/api/metrics");
      expect([before.status, up(before.text)]).toEqual([200, "1"]);
      proxy.stall();
      const startedAt = Date.now();
      const during = await call(metrics.GET, "/api/metrics");
      expect([during.status, up(during.text)]).toEqual([200, "0"]);
      expect(Date.now() - startedAt).toBeLessThan(REQUEST_DEADLINE_MS);
      expect(during.text).toMatch(/^orders_accepted_total\{/m);
      expect(during.text).toMatch(/^process_resident_memory_bytes\{/m);
      proxy.resume();
      const after = await call(metrics.GET, "/api/metrics");
      expect([after.status, up(after.text)]).toEqual([200, "1"]);
    } finally {
      await proxy.restore();
    }
  }, 60_000);
});
