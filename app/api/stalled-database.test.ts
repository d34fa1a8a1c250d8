import { describe, expect, it } from "vitest";
import { REQUEST_DEADLINE_MS } from "@/app/_lib/http";
import { closeDb } from "@/db/client";
import { useTestDatabase } from "@/db/testing/database";
import { call } from "@/db/testing/http";
import { captureLogLines } from "@/db/testing/log-lines";
import { stallProxy } from "@/db/testing/stall-proxy";
import * as sales from "./sales/route";

// A database that stops answering on a connection already open (a network partition, a frozen
// server): no connect timeout fires and no error comes back, so without a deadline a request waits
// as long as the kernel keeps the connection, minutes.

const db = useTestDatabase();
const capture = captureLogLines();

describe("a database that stops answering on an open connection", () => {
  it("answers a request 503 with Retry-After after the deadline, not never, and serves again once the database answers", async () => {
    const target = new URL(db.url);
    const proxy = await stallProxy({ host: target.hostname, port: Number(target.port) });
    await closeDb();
    process.env.DATABASE_URL = proxy.urlFor(db.url);
    try {
      // The pool's connections are open, through the proxy.
      expect((await call(sales.GET, "/api/sales")).status).toBe(200);
      proxy.stall();
      const from = capture.lines().length;
      const startedAt = Date.now();
      const stalled = await call(sales.GET, "/api/sales");
      expect([stalled.status, stalled.json?.error?.code, stalled.headers.get("retry-after")]).toEqual([503, "unavailable", "2"]);
      expect(Date.now() - startedAt).toBeLessThan(REQUEST_DEADLINE_MS + 5_000);
      expect(capture.lines().slice(from).map((l) => [l.level, l.msg])).toContainEqual([40, `no answer from the database within ${REQUEST_DEADLINE_MS / 1000} s`]);

      proxy.resume();
      const again = await call(sales.GET, "/api/sales");
      expect(again.status).toBe(200);
    } finally {
      proxy.resume();
      await closeDb();
      process.env.DATABASE_URL = db.url;
      await proxy.close();
      capture.stop();
    }
  }, 60_000);
});
