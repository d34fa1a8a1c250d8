import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type AppStack } from "@/db/testing/app-stack";
import { useTestDatabase } from "@/db/testing/database";
import { jsonLines, type LogLine } from "@/db/testing/json-lines";
import { waitFor } from "@/db/testing/processes";
import { request } from "@/db/testing/remote";

// README, Logs: at LOG_LEVEL=debug every request is one "request" line (method, path, status),
// pages as well as the API.

const db = useTestDatabase();
let stack: AppStack;
let base: string;

beforeAll(async () => {
  stack = await startStack({ databaseUrl: db.url, webs: 1, workers: 0, env: { LOG_LEVEL: "debug" } });
  base = stack.webs[0]!.url;
});

afterAll(async () => {
  await stack?.stop();
});

type RequestLine = LogLine & { method: string; path: string; status: number };

const requestLines = () => jsonLines(stack.output).filter((line) => line.msg === "request") as RequestLine[];

describe("request log at debug", () => {
  it("writes one line per request: pages, the API, and the answers the server gives itself", async () => {
    const sale = randomUUID();
    const asked: [method: string, path: string, status: number][] = [
      ["GET", "/admin", 307],
      ["GET", `/sales/${sale}`, 404],
      ["GET", "/api/sales", 200],
      ["GET", `/api/sales/${sale}`, 404],
      ["OPTIONS", "/api/sales", 204],
      ["GET", "/sales/%E0%A4%A", 400],
      ["GET", "/api", 404],
      ["PROPFIND", "/api/orders", 501],
    ];
    for (const [method, path, status] of asked) {
      expect((await request(`${base}${path}?from=test`, { method })).status, `${method} ${path}`).toBe(status);
    }
    await waitFor(async () => {
      const found = requestLines().filter((line) => asked.some(([, path]) => line.path === path));
      return found.length >= asked.length ? found : undefined;
    }, 10_000, "a request line for each request");
    await new Promise((r) => setTimeout(r, 300));
    const seen = requestLines()
      .filter((line) => asked.some(([, path]) => line.path === path))
      .map((line) => [line.method, line.path, line.status]);
    expect(seen.sort()).toEqual([...asked].sort());
    // Paths are logged without their query string.
    expect(requestLines().filter((line) => line.path.includes("?"))).toEqual([]);
  });
});
