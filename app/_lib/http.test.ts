import { afterAll, describe, expect, it } from "vitest";
import { closeDb } from "@/db/client";
import { markStopping } from "@/db/log";
import { useTestDatabase } from "@/db/testing/database";
import { call } from "@/db/testing/http";
import { waitFor } from "@/db/testing/processes";
import { captureLogLines } from "@/db/testing/log-lines";
import { signInShoppers } from "@/db/testing/shoppers";
import * as orders from "@/app/api/orders/route";

const db = useTestDatabase();
const capture = captureLogLines();
afterAll(() => capture.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("requests that meet a database that is down", () => {
  it("are each answered 503, and logged as one warn line at once, then one line with the count of the others every 5 s", async () => {
    const [shopper] = await signInShoppers(1, "outage-log");
    await closeDb();
    // Nothing listens there: every connection attempt is refused, as while Postgres restarts.
    process.env.DATABASE_URL = "postgres://nobody:secret@127.0.0.1:1/nothing";
    try {
      const from = capture.lines().length;
      const outageLines = () => capture.lines().slice(from).filter((l) => l.msg === "database unavailable");
      for (let i = 0; i < 30; i++) {
        const res = await call(orders.GET, "/api/orders", { cookie: shopper! });
        expect([res.status, res.json?.error?.code, res.headers.get("retry-after")]).toEqual([503, "unavailable", "2"]);
      }
      // The first request's line, with what the operator needs to know; then the others counted, in
      // one summary line every 5 s (two, if refusing the 30 took longer than 5 s on a loaded machine).
      const summed = (lines: Record<string, unknown>[]) => lines.slice(1).reduce((n, l) => n + Number(l.requests ?? 0), 0);
      await waitFor(async () => (summed(outageLines()) === 29 ? true : undefined), 15_000, "the summary lines to count the other 29 requests");
      const [first, ...summaries] = outageLines();
      expect(first).toMatchObject({ level: 40, code: "ECONNREFUSED", method: "GET", path: "/api/orders" });
      expect(summaries.length).toBeLessThanOrEqual(2);
      for (const line of summaries) expect(line).toMatchObject({ level: 40, requests: expect.any(Number), codes: { ECONNREFUSED: line.requests }, windowSeconds: 5 });
      // Nothing more while nothing more fails.
      const written = outageLines().length;
      await sleep(5500);
      expect(outageLines()).toHaveLength(written);
    } finally {
      await closeDb().catch(() => {});
      process.env.DATABASE_URL = db.url;
    }
    expect((await call(orders.GET, "/api/orders", { cookie: shopper! })).status).toBe(200);
  }, 60_000);

  it("are answered 503, not 500, when Postgres refuses connections for too many of them (53300)", async () => {
    const [shopper] = await signInShoppers(1, "full-server");
    // A role whose connection limit is reached stands for a server whose max_connections is.
    const role = `web_full_${process.pid}`;
    await db.sql.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD 'web-full-pw' CONNECTION LIMIT 0`);
    const url = new URL(db.url);
    [url.username, url.password] = [role, "web-full-pw"];
    await closeDb();
    process.env.DATABASE_URL = url.toString();
    try {
      const res = await call(orders.GET, "/api/orders", { cookie: shopper! });
      expect([res.status, res.json?.error?.code, res.headers.get("retry-after")]).toEqual([503, "unavailable", "2"]);
    } finally {
      await closeDb().catch(() => {});
      process.env.DATABASE_URL = db.url;
    }
    expect((await call(orders.GET, "/api/orders", { cookie: shopper! })).status).toBe(200);
  }, 60_000);

  // Last in this file: a process that has begun to stop does not start again.
  it("are logged at info once this process is stopping, as Ctrl-C stops Postgres beside the app", async () => {
    const [shopper] = await signInShoppers(1, "stopping");
    await closeDb();
    process.env.DATABASE_URL = "postgres://nobody:secret@127.0.0.1:1/nothing";
    try {
      // Wait out the first test's summary, so the line below is a first line of its own.
      await sleep(5500);
      markStopping();
      const from = capture.lines().length;
      const res = await call(orders.GET, "/api/orders", { cookie: shopper! });
      expect(res.status).toBe(503);
      expect(capture.lines().slice(from).filter((l) => l.msg === "database unavailable")).toEqual([expect.objectContaining({ level: 30, code: "ECONNREFUSED" })]);
    } finally {
      await closeDb().catch(() => {});
      process.env.DATABASE_URL = db.url;
    }
  }, 30_000);
});
