import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { batcher } from "./batcher";
import { freePort } from "./embedded";
import { useTestDatabase } from "./testing/database";

// What a failed batch does, with real failures from Postgres and from a refused connection: a bad item
// fails alone and the others in its batch still get their answers; a database that cannot be reached
// fails the whole batch in one attempt, so every caller hears at once.

const db = useTestDatabase();

let unreachable: postgres.Sql | undefined;
afterAll(async () => {
  await unreachable?.end({ timeout: 1 });
});

/** Runs the calls in one batch (all made in the same turn) and reports each outcome. */
async function together<O>(call: (item: string) => Promise<O>, items: string[]) {
  return Promise.allSettled(items.map((item) => call(item)));
}

/** A batch that doubles numbers in one statement (an item that is not a number fails it), and its runs. */
function doubler(sql: postgres.Sql = db.sql) {
  const runs: string[][] = [];
  const double = batcher(async (items: string[]) => {
    runs.push(items);
    const rows = await sql<{ n: number }[]>`SELECT (x::int * 2) AS n FROM unnest(${items}::text[]) WITH ORDINALITY AS t(x, i) ORDER BY i`;
    return rows.map((r) => r.n);
  });
  return { runs, double };
}

describe("batcher", () => {
  it("runs calls made together as one batch", async () => {
    const { runs, double } = doubler();
    const outcomes = await together(double, ["1", "2", "3"]);
    expect(outcomes.map((o) => (o.status === "fulfilled" ? o.value : o.reason))).toEqual([2, 4, 6]);
    expect(runs).toEqual([["1", "2", "3"]]);
  });

  it("tries a failed batch again item by item, so only the bad item fails", async () => {
    const { runs, double } = doubler();
    const outcomes = await together(double, ["1", "two", "3"]);
    expect(outcomes[0]).toEqual({ status: "fulfilled", value: 2 });
    expect(outcomes[1]!.status).toBe("rejected");
    expect((outcomes[1] as PromiseRejectedResult).reason.code).toBe("22P02");
    expect(outcomes[2]).toEqual({ status: "fulfilled", value: 6 });
    expect(runs).toEqual([["1", "two", "3"], ["1"], ["two"], ["3"]]);
  });

  it("fails a whole batch at once when the database cannot be reached, in one attempt", { timeout: 20_000 }, async () => {
    // A free port: nothing listens on it, so every connection attempt is refused.
    unreachable = postgres({ host: "127.0.0.1", port: await freePort(), max: 2, connect_timeout: 2, onnotice: () => {} });
    const { runs, double } = doubler(unreachable);
    const items = Array.from({ length: 20 }, (_, i) => String(i));
    const outcomes = await together(double, items);
    expect(outcomes.every((o) => o.status === "rejected" && (o.reason as { code?: string }).code === "ECONNREFUSED")).toBe(true);
    // One connection attempt for all twenty, not one per item queued behind the client's reconnect backoff.
    expect(runs).toEqual([items]);
  });
});
