import fs from "node:fs";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedCluster } from "@/db/embedded";
import { ownCluster } from "@/db/testing/own-cluster";
import { startStack, type AppStack } from "@/db/testing/app-stack";
import { jsonLines } from "@/db/testing/json-lines";
import { stopProcess, waitFor } from "@/db/testing/processes";
import { request } from "@/db/testing/remote";

// Ctrl-C in `npm start` sends SIGINT to the whole process group: Postgres shuts down (fast, 57P01
// to every connection) at the same moment as the web and the worker. That is an orderly stop, and
// the logs say so: no line at error level, no warning about what the shutdown itself closed. And the
// next start does not show the workers that Ctrl-C stopped as live.

let dir: string;
let cluster: EmbeddedCluster;
let url: string;
let stack: AppStack | undefined;
let nextStack: AppStack | undefined;

beforeAll(async () => {
  // A Postgres of this test's own, since the test stops it; persistent, to start it again.
  ({ dir, cluster, url } = await ownCluster("ctrl-c", "ctrl_c", { persistent: true }));
});

afterAll(async () => {
  await stack?.stop();
  await nextStack?.stop();
  await cluster?.stop().catch(() => {});
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("Ctrl-C", () => {
  it("stops the web, the worker and Postgres together without an error or warning line", async () => {
    stack = await startStack({ databaseUrl: url, webs: 1, workers: 1 });
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

  it("the next start shows neither the series nor the drain rate of the worker Ctrl-C stopped", async () => {
    const stopped = `worker-${stack!.workers[0]!.pid}`;
    cluster = await startEmbeddedPostgres({ dir, persistent: true, port: cluster.port });
    nextStack = await startStack({ databaseUrl: url, webs: 1, workers: 0 });
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      // The stopped worker's row as Ctrl-C leaves it: its removal met Postgres stopping (a race it
      // usually loses), so its last push stays, seconds old, from before this Postgres started. Beside
      // it a worker that has pushed since, as a live one does within 2 s of the database coming back.
      const row = (instance: string, value: number) => JSON.stringify([{ name: "jobs_processed_total", help: "Allocation jobs completed by this worker.", type: "counter", aggregator: "sum", values: [{ value, labels: { role: "worker", process: instance } }] }]);
      await sql`
        INSERT INTO worker_metrics (instance, metrics, drain_per_second, updated_at)
        VALUES (${stopped}, ${row(stopped, 17)}::jsonb, 4000, pg_postmaster_start_time() - interval '1 second'),
               ('worker-live', ${row("worker-live", 5)}::jsonb, 1234, now())
        ON CONFLICT (instance) DO UPDATE SET metrics = excluded.metrics, drain_per_second = excluded.drain_per_second, updated_at = excluded.updated_at`;
      // Past the admission count's 250 ms, so the scrape reads the rows as they are now.
      await new Promise((r) => setTimeout(r, 500));
      const scraped = await request(`${nextStack.webs[0]!.url}/api/metrics`);
      expect(scraped.status).toBe(200);
      expect(scraped.text).toContain('jobs_processed_total{role="worker",process="worker-live"} 5');
      expect(scraped.text).not.toContain(`process="${stopped}"`);
      expect(scraped.text).toMatch(/^order_drain_per_second\{[^}]*\} 1234$/m);
    } finally {
      await sql.end();
    }
  });
});
