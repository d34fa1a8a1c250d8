import { describe, expect, it } from "vitest";
import { DeadlineExceeded, withDeadline } from "./deadline";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("withDeadline", () => {
  it("passes on the work's value or error when it ends in time", async () => {
    await expect(withDeadline(sleep(20).then(() => "done"), 1000)).resolves.toBe("done");
    await expect(withDeadline(sleep(20).then(() => Promise.reject(new Error("refused"))), 1000)).rejects.toThrow("refused");
  });

  it("fails with DeadlineExceeded once the time is up (within a quarter second), and drops the late outcome", async () => {
    const startedAt = Date.now();
    const late = sleep(1500).then(() => Promise.reject(new Error("too late to matter")));
    const outcome = await withDeadline(late, 500).catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(DeadlineExceeded);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(500);
    expect(Date.now() - startedAt).toBeLessThan(1200);
    // The work's own rejection, a second later, is nobody's unhandled rejection.
    await sleep(1100);
  });

  it("keeps each deadline apart among many at once", async () => {
    const quick = Array.from({ length: 100 }, (_, i) => withDeadline(sleep(i % 10).then(() => i), 2000));
    const slow = withDeadline(new Promise(() => {}), 300).catch((err: unknown) => err);
    expect(await Promise.all(quick)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(await slow).toBeInstanceOf(DeadlineExceeded);
  });
});
