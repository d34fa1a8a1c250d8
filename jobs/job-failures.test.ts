import { randomUUID } from "node:crypto";
import type { Job, PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { listDeadLetters } from "@/db/dead-letters";
import { log } from "@/db/log";
import { useTestDatabase } from "@/db/testing/database";
import { createBoss } from "./boss";
import * as orderStatus from "./order-status";
import * as placeOrder from "./place-order";
import { jobsFailed, jobsProcessed, registry } from "./worker-metrics";
import { ORDER_STATUS, ORDER_STATUS_DEAD, PLACE_ORDER, PLACE_ORDER_DEAD } from "./queues";

// Every job the worker fails is one warn line: its id, its order, the reason, and which attempt this
// was of how many; the last attempt's line says the job went to its dead-letter queue and points the
// operator to the admin's Dead letters page.

// Allocation that fails outright (not a transient error) while `failing.on`: the whole batch is failed.
const failing = vi.hoisted(() => ({ on: false }));
vi.mock("@/db/allocation", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/db/allocation")>();
  return { ...real, allocateOrders: (...args: Parameters<typeof real.allocateOrders>) => (failing.on ? Promise.reject(new Error("allocation broke")) : real.allocateOrders(...args)) };
});

// No wait after a batch that was not full: the test runs the batches itself.
process.env.WORKER_LINGER_MS = "0";

const db = useTestDatabase();
let boss: PgBoss;

beforeAll(async () => {
  boss = createBoss("admin");
  await boss.start();
});
afterAll(async () => {
  await boss.stop({ graceful: false });
});

/** The warn lines logged while `run` runs, as [fields, message]. */
async function warnings(run: () => Promise<unknown>): Promise<[Record<string, unknown>, string][]> {
  const warn = vi.spyOn(log, "warn").mockImplementation(() => {});
  try {
    await run();
    return warn.mock.calls.map((c) => [c[0] as unknown as Record<string, unknown>, String(c[1])]);
  } finally {
    warn.mockRestore();
  }
}

const lineFor = (lines: [Record<string, unknown>, string][], jobId: string) => {
  const found = lines.filter(([fields]) => fields.jobId === jobId);
  expect(found, `one warn line for job ${jobId}`).toHaveLength(1);
  return found[0]!;
};

describe("failed jobs in the worker's log", () => {
  it("place-order: a missing order's job on each attempt, dead-lettered on its last; a malformed one dead-lettered at once", async () => {
    const orderId = randomUUID();
    const missingId = (await boss.send(PLACE_ORDER, { orderId, saleId: randomUUID() }, { retryLimit: 1, retryDelay: 0, retryBackoff: false }))!;
    const malformedId = (await boss.send(PLACE_ORDER, { orderId: 7, note: "malformed" }))!;
    const batch = placeOrder.batchWorker(boss);
    const failedBefore = (await jobsFailed.get()).values[0]?.value ?? 0;

    const first = (await boss.fetch(PLACE_ORDER, { batchSize: 10 })) as Job<unknown>[];
    expect(first.map((j) => j.id).sort()).toEqual([missingId, malformedId].sort());
    const firstLines = await warnings(() => batch(first));
    const [missing1, missing1Text] = lineFor(firstLines, missingId);
    expect(missing1).toMatchObject({ queue: PLACE_ORDER, jobId: missingId, orderId, reason: "order_not_found", attempt: 1, attempts: 2, deadLettered: false });
    expect(missing1Text).toContain(`There is no order ${orderId}`);
    expect(missing1Text).not.toContain("dead-letter");
    const [malformed, malformedText] = lineFor(firstLines, malformedId);
    expect(malformed).toMatchObject({ queue: PLACE_ORDER, jobId: malformedId, reason: "malformed", attempt: 1, attempts: 6, deadLettered: true, deadLetter: PLACE_ORDER_DEAD });
    expect(malformed.orderId).toBeUndefined();
    expect(malformedText).toMatch(/dead-lettered at once/);
    expect(malformedText).toContain("Dead letters page (/admin/dead-letters)");

    // The retry, the job's last attempt: it goes to the dead-letter queue, and its line says so.
    const second = (await boss.fetch(PLACE_ORDER, { batchSize: 10 })) as Job<unknown>[];
    expect(second.map((j) => j.id)).toEqual([missingId]);
    const [missing2, missing2Text] = lineFor(await warnings(() => batch(second)), missingId);
    expect(missing2).toMatchObject({ queue: PLACE_ORDER, jobId: missingId, orderId, reason: "order_not_found", attempt: 2, attempts: 2, deadLettered: true, deadLetter: PLACE_ORDER_DEAD });
    expect(missing2Text).toMatch(/dead-lettered after its last attempt \(2 of 2\)/);
    expect(missing2Text).toContain("Dead letters page (/admin/dead-letters)");
    const dead = await db.sql`SELECT data->>'orderId' AS "orderId" FROM pgboss.job WHERE name = ${PLACE_ORDER_DEAD} AND data->>'orderId' = ${orderId}`;
    expect(dead).toHaveLength(1);
    // The admin's list says why each went there, in a sentence, as it does for a status change's.
    const listed = (await listDeadLetters()).deadLetters.filter((d) => d.queue === PLACE_ORDER);
    expect(listed.map(({ payload, reason, error }) => ({ payload, reason, error }))).toEqual(
      expect.arrayContaining([
        { payload: expect.objectContaining({ orderId }), reason: "order_not_found", error: `There is no order ${orderId}.` },
        { payload: { orderId: 7, note: "malformed" }, reason: "malformed", error: "The job's data is not a place-order payload (an order id and a sale id)." },
      ]),
    );

    // Two bad jobs, three failed attempts: jobs_failed_total counts attempts, and its help says so.
    expect(((await jobsFailed.get()).values[0]?.value ?? 0) - failedBefore).toBe(3);
    const help = (await registry.getSingleMetricAsString("jobs_failed_total")).split("\n")[0]!;
    expect(help).toMatch(/^# HELP jobs_failed_total Allocation job attempts that failed, each retry counted again/);
  });

  it("place-order: two jobs of one missing order in a batch are two failed jobs in the metrics, none processed", async () => {
    const data = { orderId: randomUUID(), saleId: randomUUID() };
    const ids = [(await boss.send(PLACE_ORDER, data))!, (await boss.send(PLACE_ORDER, data))!];
    const counted = async (): Promise<[number, number]> => [(await jobsFailed.get()).values[0]?.value ?? 0, (await jobsProcessed.get()).values[0]?.value ?? 0];
    const [failedBefore, processedBefore] = await counted();
    const jobs = (await boss.fetch(PLACE_ORDER, { batchSize: 10 })) as Job<unknown>[];
    expect(jobs.map((j) => j.id).sort()).toEqual([...ids].sort());
    await warnings(() => placeOrder.batchWorker(boss)(jobs));
    const [failedAfter, processedAfter] = await counted();
    expect([failedAfter - failedBefore, processedAfter - processedBefore]).toEqual([2, 0]);
  });

  it("place-order: a batch whose allocation fails is one line for the jobs to be retried, and a line for each job it dead-letters", async () => {
    const lastId = (await boss.send(PLACE_ORDER, { orderId: randomUUID(), saleId: randomUUID() }, { retryLimit: 0 }))!;
    const firstId = (await boss.send(PLACE_ORDER, { orderId: randomUUID(), saleId: randomUUID() }))!;
    const jobs = (await boss.fetch(PLACE_ORDER, { batchSize: 10 })) as Job<unknown>[];
    failing.on = true;
    let thrown: unknown;
    try {
      const lines = await warnings(() => placeOrder.batchWorker(boss)(jobs).catch((err: unknown) => void (thrown = err)));
      expect(thrown).toEqual(new Error("allocation broke"));
      const [last, lastText] = lineFor(lines, lastId);
      expect(last).toMatchObject({ queue: PLACE_ORDER, reason: "error", attempt: 1, attempts: 1, deadLettered: true, deadLetter: PLACE_ORDER_DEAD });
      expect(lastText).toContain("allocation failed (allocation broke)");
      expect(lastText).toContain("Dead letters page (/admin/dead-letters)");
      // The rest (a whole batch of up to a thousand, on every attempt while the database misbehaves): one line.
      expect(lines.filter(([fields]) => fields.jobId === firstId)).toHaveLength(0);
      const retried = lines.filter(([fields]) => fields.deadLettered === false);
      expect(retried).toHaveLength(1);
      expect(retried[0]![0]).toMatchObject({ queue: PLACE_ORDER, jobs: 1, reason: "error", firstAttempt: 1, lastAttempt: 1 });
      expect(retried[0]![1]).toBe(`${PLACE_ORDER}: a batch of 1 job failed, to be retried: allocation failed (allocation broke)`);
      expect(lines).toHaveLength(2);
    } finally {
      failing.on = false;
      // As pg-boss's work loop fails a batch whose handler threw: with the error.
      await boss.fail(PLACE_ORDER, [lastId, firstId], thrown as object);
    }
    // The admin's list says what failed and why, as for the worker's own failures: reason "error", as in the log.
    const lastOrderId = (jobs.find((j) => j.id === lastId)!.data as { orderId: string }).orderId;
    const [dead] = (await listDeadLetters()).deadLetters.filter((d) => d.queue === PLACE_ORDER && d.payload.orderId === lastOrderId);
    expect(dead).toMatchObject({ reason: "error", error: "allocation broke" });
  });

  it("order-status: a refused change on each attempt with its order, dead-lettered on its last; a malformed one at once", async () => {
    const orderId = randomUUID();
    const refusedId = (await boss.send(ORDER_STATUS, { orderId, status: "shipped", saleId: null }, { retryLimit: 1, retryDelay: 0, retryBackoff: false }))!;
    const malformedId = (await boss.send(ORDER_STATUS, { orderId: "nope", status: "lost" }))!;
    // As the worker fetches them: with each job's retry limit (asserted at the end).
    const fetch = () => boss.fetch(ORDER_STATUS, { batchSize: orderStatus.workOptions.batchSize, includeMetadata: true }) as Promise<Job<unknown>[]>;

    const firstLines = await warnings(async () => orderStatus.handler(await fetch()));
    const [refused1, refused1Text] = lineFor(firstLines, refusedId);
    expect(refused1).toMatchObject({ queue: ORDER_STATUS, jobId: refusedId, orderId, status: "shipped", reason: "order_not_found", attempt: 1, attempts: 2, deadLettered: false });
    expect(refused1Text).toContain(`There is no order ${orderId}`);
    const [malformed, malformedText] = lineFor(firstLines, malformedId);
    expect(malformed).toMatchObject({ queue: ORDER_STATUS, jobId: malformedId, orderId: "nope", reason: "malformed", attempt: 1, attempts: 4, deadLettered: true, deadLetter: ORDER_STATUS_DEAD });
    expect(malformedText).toContain("The job's data is not an order-status payload");
    expect(malformedText).toContain("Dead letters page (/admin/dead-letters)");

    // Failed back to pg-boss as the worker's pg-boss does with the handler's results; then the last attempt.
    await boss.fail(ORDER_STATUS, refusedId, { reason: "order_not_found" });
    const [refused2, refused2Text] = lineFor(await warnings(async () => orderStatus.handler(await fetch())), refusedId);
    expect(refused2).toMatchObject({ jobId: refusedId, orderId, reason: "order_not_found", attempt: 2, attempts: 2, deadLettered: true, deadLetter: ORDER_STATUS_DEAD });
    expect(refused2Text).toMatch(/dead-lettered after its last attempt \(2 of 2\)/);
    expect(refused2Text).toContain("Dead letters page (/admin/dead-letters)");
    expect(orderStatus.workOptions).toMatchObject({ includeMetadata: true });
  });
});
