import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type AppStack } from "@/db/testing/app-stack";
import { useTestDatabase } from "@/db/testing/database";

// README, Configuration: behind a proxy that keeps connections to the app, KEEP_ALIVE_TIMEOUT_MS is set
// above the proxy's idle timeout, so the app never closes a connection the proxy is about to reuse.

const db = useTestDatabase();
let stack: AppStack;

beforeAll(async () => {
  stack = await startStack({ databaseUrl: db.url, webs: 1, workers: 0, env: { KEEP_ALIVE_TIMEOUT_MS: "65000" } });
});

afterAll(async () => {
  await stack?.stop();
});

type Answer = { status: number; keepAlive: string | undefined; connection: string; reusedSocket: boolean };

/** One GET through the agent: its status, its Keep-Alive and Connection headers, and whether it went on a connection already open. */
function get(url: string, agent: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, keepAlive: res.headers["keep-alive"]?.toString(), connection: String(res.headers.connection), reusedSocket: req.reusedSocket }));
      })
      .on("error", reject);
  });
}

describe("KEEP_ALIVE_TIMEOUT_MS", () => {
  it("tells the client (a proxy) how long an idle connection stays open, and keeps it that long", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const url = `${stack.webs[0]!.url}/api/time`;
      expect(await get(url, agent)).toEqual({ status: 200, keepAlive: "timeout=65", connection: "keep-alive", reusedSocket: false });
      // Idle past Node's default 5 s, the connection is still open and answers the next request.
      await new Promise((r) => setTimeout(r, 6_000));
      expect(await get(url, agent)).toMatchObject({ status: 200, reusedSocket: true });
    } finally {
      agent.destroy();
    }
  });
});
