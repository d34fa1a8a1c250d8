import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedLoop, newPool, openLoop, summarize, unexpectedAnswers } from "./load";

// A server that answers every request 200 ms after it arrives: far slower than the load sent at it.
let server: http.Server;
let origin: string;
beforeAll(async () => {
  server = http.createServer((_req, res) => setTimeout(() => res.end('{"ok":true}'), 200));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("the open loop", () => {
  it("sends every request, and counts the wait of one due while the most allowed are outstanding", async () => {
    const pool = newPool(origin, 5);
    try {
      // 100/s for 40 requests with at most 4 outstanding: the server answers ~20/s, so most requests
      // wait for a slot, and their latency must show it.
      const load = await openLoop({ pool, rate: 100, count: 40, maxInFlight: 4, shot: () => ({ method: "GET", path: "/", labels: { 200: "ok" } }) });
      expect(load.answers).toEqual({ "200 ok": 40 });
      const latency = summarize(load.latency);
      expect(latency.p50Ms).toBeGreaterThan(600);
      expect(load.latency.minNonZeroValue / 1000).toBeGreaterThanOrEqual(190);
    } finally {
      await pool.close();
    }
  }, 30_000);

  it("stops sending at its time limit, and counts what it did not send apart from the latencies", async () => {
    const pool = newPool(origin, 2);
    try {
      // 100/s for 200 requests, 2 at a time against a server that answers in 200 ms, for at most 1 s.
      const load = await openLoop({ pool, rate: 100, count: 200, maxInFlight: 2, maxSeconds: 1, shot: () => ({ method: "GET", path: "/", labels: { 200: "ok" } }) });
      const ok = load.answers["200 ok"]!;
      expect(ok).toBeGreaterThan(0);
      expect(ok + load.answers["0 not_sent"]!).toBe(200);
      expect(load.requests).toBe(ok);
      expect(load.latency.totalCount).toBe(ok);
      expect(load.durationMs).toBeLessThan(3000);
    } finally {
      await pool.close();
    }
  }, 30_000);
});

describe("the closed loop", () => {
  it("stops sending at its time limit, and counts what it did not send apart from the answers", async () => {
    const pool = newPool(origin, 2);
    try {
      // 2 in flight against a server that answers in 200 ms, for at most 1 s: about 10 of 200 sent.
      const load = await closedLoop({ pool, count: 200, concurrency: 2, maxSeconds: 1, shot: () => ({ method: "GET", path: "/", labels: { 200: "ok" } }) });
      const ok = load.answers["200 ok"]!;
      expect(ok).toBeGreaterThan(0);
      expect(ok + load.answers["0 not_sent"]!).toBe(200);
      expect(load.requests).toBe(ok);
      expect(unexpectedAnswers(load.answers, ["200 ok"])).toEqual({ "0 not_sent": 200 - ok });
    } finally {
      await pool.close();
    }
  }, 30_000);
});

describe("a phase's unexpected answers", () => {
  it("are every answer outside the phase's own: errors, refusals, requests never sent", () => {
    const answers = { "202 accepted": 900, "200 repeat": 50, "410 sold_out": 40, "503 busy": 7, "0 network_error": 2, "429 rate_limited": 0 };
    expect(unexpectedAnswers(answers, ["202 accepted", "200 repeat", "410 sold_out"])).toEqual({ "503 busy": 7, "0 network_error": 2 });
    expect(unexpectedAnswers({ "200 ok": 10 }, ["200 ok"])).toEqual({});
  });
});
