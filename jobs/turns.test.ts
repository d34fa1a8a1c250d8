import { describe, expect, it } from "vitest";
import { type BatchOrder, SaleTurns, type TurnHandle } from "./turns";

// The order in which a worker's batches of one sale allocate (jobs/turns.ts), with allocations that
// are promises the test settles.

/**
 * An allocation the test ends: records when it starts (then runs `onStart` with its turn), and runs
 * until `finish()`.
 */
function allocation(name: string, log: string[], onStart: (turn: TurnHandle) => void = () => {}) {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let startedAt: number | undefined;
  return {
    run: async (turn: TurnHandle) => {
      startedAt = performance.now();
      log.push(`${name} starts`);
      onStart(turn);
      await finished;
      log.push(`${name} ends`);
      return name;
    },
    finish,
    get startedAt() {
      return startedAt;
    },
  };
}

/** Fresh turns, the log their allocations write, and allocations that write to it. */
function scene() {
  const log: string[] = [];
  return { turns: new SaleTurns(), log, allocation: (name: string, onStart?: (turn: TurnHandle) => void) => allocation(name, log, onStart) };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const until = async (check: () => boolean, ms = 2000) => {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe("a worker's allocation turns", () => {
  it("batches fetched in the same turn of the event loop go by their places in line, not by which was answered first", async () => {
    const { turns, log, allocation } = scene();
    const later = allocation("later");
    const earlier = allocation("earlier");
    // The batch with the later orders is answered first.
    const both = [turns.run(["sale"], 50, 60_000, later.run), turns.run(["sale"], 10, 60_000, earlier.run)];
    await until(() => log.length > 0);
    await tick();
    expect(log).toEqual(["earlier starts"]);
    earlier.finish();
    await until(() => log.includes("later starts"));
    later.finish();
    expect(await Promise.all(both)).toEqual(["later", "earlier"]);
    expect(log).toEqual(["earlier starts", "earlier ends", "later starts", "later ends"]);
  });

  it("a batch that has started is waited for, even by one with earlier places that came after it", async () => {
    const { turns, log, allocation } = scene();
    const first = allocation("started");
    const second = allocation("earlier places, fetched after");
    const a = turns.run(["sale"], 50, 60_000, first.run);
    await until(() => log.length === 1);
    const b = turns.run(["sale"], 10, 60_000, second.run);
    await tick();
    await tick();
    expect(log).toEqual(["started starts"]);
    first.finish();
    await until(() => log.length === 3);
    second.finish();
    await Promise.all([a, b]);
    expect(log).toEqual(["started starts", "started ends", "earlier places, fetched after starts", "earlier places, fetched after ends"]);
  });

  it("a batch held up keeps the batches of its sale behind it waiting at most the bound, and other sales' not at all", async () => {
    const { turns, log, allocation } = scene();
    const held = allocation("held");
    const behind = allocation("behind");
    const otherSale = allocation("other sale");
    const a = turns.run(["sale", "another"], 1, 60_000, held.run);
    await until(() => log.length === 1);
    const registered = performance.now();
    const b = turns.run(["sale"], 2, 150, behind.run);
    const c = turns.run(["third sale"], 3, 60_000, otherSale.run);
    await until(() => log.includes("other sale starts"));
    expect(log).not.toContain("behind starts");
    await until(() => log.includes("behind starts"));
    // It waited for the bound (a timer does not fire early), and went while the held batch still ran.
    expect(behind.startedAt! - registered).toBeGreaterThanOrEqual(145);
    expect(log).not.toContain("held ends");
    held.finish();
    behind.finish();
    otherSale.finish();
    await Promise.all([a, b, c]);
  });

  it("a batch that goes sale by sale lets the batches behind it have each sale as soon as it is done with it", async () => {
    const { turns, log, allocation } = scene();
    const behind = allocation("behind, on the released sale");
    const first = allocation("first", (turn) => turn.release("released"));
    const a = turns.run(["released", "still held"], 1, 60_000, first.run);
    await until(() => log.length === 1);
    const b = turns.run(["released"], 2, 60_000, behind.run);
    await until(() => log.includes("behind, on the released sale starts"));
    expect(log).toEqual(["first starts", "behind, on the released sale starts"]);
    behind.finish();
    first.finish();
    await Promise.all([a, b]);
  });

  it("a batch takes along, as it starts, the orders in its sales of the batches waiting behind it: not a started batch's, not another sale's", async () => {
    const { turns, log, allocation } = scene();
    const order = (saleId: string, orderId: string): BatchOrder => ({ saleId, orderId });
    const started = allocation("started");
    const a = turns.run(["sale"], 1, 60_000, started.run, [order("sale", "started's")]);
    await until(() => log.length === 1);
    let alongside: readonly BatchOrder[] | undefined;
    const first = allocation("first", (turn) => (alongside = turn.alongside));
    // It waits for the started batch at most 50 ms, then goes beside it.
    const b = turns.run(["sale", "its other sale"], 2, 50, first.run, [order("sale", "first's"), order("its other sale", "first's other")]);
    const behind = allocation("behind");
    const c = turns.run(["sale", "a third sale"], 3, 60_000, behind.run, [order("sale", "behind's"), order("a third sale", "behind's third"), order("its other sale", "behind's other")]);
    await until(() => log.includes("first starts"));
    expect(alongside).toEqual([order("sale", "behind's"), order("its other sale", "behind's other")]);
    expect(log).toEqual(["started starts", "first starts"]);
    started.finish();
    first.finish();
    await until(() => log.includes("behind starts"));
    behind.finish();
    expect(await Promise.all([a, b, c])).toEqual(["started", "first", "behind"]);
  });

  it("a batch whose allocation throws ends its turn: the next one goes", async () => {
    const { turns, log, allocation } = scene();
    const next = allocation("next");
    const failing = turns.run(["sale"], 1, 60_000, async () => {
      await tick();
      throw new Error("lost the connection");
    });
    const b = turns.run(["sale"], 2, 60_000, next.run);
    await expect(failing).rejects.toThrow("lost the connection");
    await until(() => log.includes("next starts"));
    next.finish();
    expect(await b).toBe("next");
  });
});
