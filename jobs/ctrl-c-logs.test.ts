import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmbeddedCluster } from "@/db/embedded";
import { ownCluster } from "@/db/testing/own-cluster";
import { startStack, type AppStack } from "@/db/testing/app-stack";
import { jsonLines } from "@/db/testing/json-lines";
import { stopProcess, waitFor } from "@/db/testing/processes";

// Ctrl-C in `npm start` sends SIGINT to the whole process group: Postgres shuts down (fast, 57P01
// to every connection) at the same moment as the web and the worker. That is an orderly stop, and
// the logs say so: no line at error level, no warning about what the shutdown itself closed.

let dir: string;
let cluster: EmbeddedCluster;
let stack: AppStack | undefined;

beforeAll(async () => {
  // A Postgres of this test's own, since the test stops it.
  ({ dir, cluster } = await ownCluster("ctrl-c", "ctrl_c"));
});

afterAll(async () => {
  await stack?.stop();
  await cluster?.stop().catch(() => {});
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("Ctrl-C", () => {
  it("stops the web, the worker and Postgres together without an error or warning line", async () => {
    stack = await startStack({ databaseUrl: cluster.url("ctrl_c"), webs: 1, workers: 1 });
    const output = stack.output;
    await waitFor(async () => (jsonLines(output).some((l) => l.msg === "worker ready") ? true : undefined), 30_000, "the worker to be ready");
    // A metrics push and a pg-boss poll or two, so every pool has open connections.
    await new Promise((r) => setTimeout(r, 2500));
    const from = output.length;

    // A pg connection pg-boss no longer listens to can raise an unhandled 'error' at this moment; the
    // worker, stopping, takes it for what it is (jobs/worker.ts) and still exits 0.
    const [webExit, workerExit] = await Promise.all([
      stopProcess(stack.webs[0]!.child, "SIGINT", 20_000),
      stopProcess(stack.workers[0]!, "SIGINT", 20_000),
      cluster.stop(),
    ]);
    expect(webExit).toBe(0);
    expect(workerExit).toBe(0);

    const lines = jsonLines(output.slice(from));
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(["web stopped", "worker stopping: finishing the batch in hand"]));
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  });
});
