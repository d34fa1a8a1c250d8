import { describe, expect, it } from "vitest";
import { DeadlineExceeded, withDeadline } from "./deadline";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("withDeadline", () => {
  it("passes on the work's value or error when it ends in time", async () => {
    await expect(withDeadline(sleep(20).then(() => "done"), 1000)).resolves.toBe("done");
    await expect(withDeadline(sleep(20).then(() => Promise.reject(new Error("refused"))), 1000)).rejects.toThrow("refused");
  });

  it("fails with DeadlineExceeded at its time, give or take the quarter-second sweep, long before the work ends, and drops the late outcome", async () => {
    const startedAt = Date.now();
    const late = sleep(2500).then(() => Promise.reject(new Error("too late to matter")));
    const outcome = await withDeadline(late, 500).catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(DeadlineExceeded);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(500);
    expect(Date.now() - startedAt).toBeLessThan(1500);
    // The work's own rejection, two seconds later, is nobody's unhandled rejection.
    await sleep(2100);
  });

  it("is late by at most one sweep (a quarter second), whenever between sweeps it was set", async () => {
    // Ten deadlines set 100 ms apart fall due at every phase of a sweep up to 650 ms apart: the latest
    // of them shows the period.
    const lateness = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        await sleep(i * 100);
        const startedAt = performance.now();
        await withDeadline(new Promise(() => {}), 300).catch(() => {});
        return performance.now() - startedAt - 300;
      }),
    );
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(-1);
    // 250 ms, with room for a busy event loop.
    expect(Math.max(...lateness)).toBeLessThan(400);
  });

  it("keeps each deadline apart among many at once", async () => {
    const quick = Array.from({ length: 100 }, (_, i) => withDeadline(sleep(i % 10).then(() => i), 2000));
    const slow = withDeadline(new Promise(() => {}), 300).catch((err: unknown) => err);
    expect(await Promise.all(quick)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(await slow).toBeInstanceOf(DeadlineExceeded);
  });
});
