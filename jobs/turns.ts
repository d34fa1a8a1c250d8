// The order in which one worker process's allocation batches of a sale take their turn.
//
// A worker's slots (WORKER_CONCURRENCY) fetch batches oldest jobs first, but two batches of one sale in
// flight at once would take the sale's row in whichever order their statements reach it: at a sale's
// last units an order could lose its unit to a later one in the other batch. So a batch goes once every
// batch of this process that shares a sale with it and holds an earlier place in line (a lower `seq`,
// the order's arrival number) has allocated that sale's orders. Batches fetched at the same moment
// (pg-boss wakes every slot together) are answered in either order: a batch waits one turn of the event
// loop before it looks, so that a fetch answered in the same turn is counted. A batch that has started
// is not stopped for one with an earlier place that came after it. The wait is short (the sale's row
// serialises those allocations anyway) and bounded: a batch held on a lock another transaction holds
// (an operator's session) keeps the batches behind it waiting at most `maxWaitMs`, then they go on as
// they would without it; and a batch that goes sale by sale releases each sale as it is done with it.
// Batches of two worker processes are not ordered against each other.

type Turn = { sales: Set<string>; place: number; n: number; hasStarted: boolean; changed: Promise<void>; signal: () => void };

/** What a batch's allocation can do in its turn: let the batches behind it have one of its sales. */
export type TurnHandle = { release: (saleId: string) => void };

export class SaleTurns {
  readonly #turns = new Set<Turn>();
  #registered = 0;

  /**
   * Runs `allocate` in the turn of a batch of `sales` whose earliest place in line is `place`
   * (-Infinity when unknown: a job queued without one goes first, as a job from before places were
   * carried would be oldest). Ties go in the order the batches came.
   */
  async run<T>(sales: Iterable<string>, place: number, maxWaitMs: number, allocate: (turn: TurnHandle) => Promise<T>): Promise<T> {
    const turn: Turn = { sales: new Set(sales), place, n: this.#registered++, hasStarted: false, ...nextChange() };
    this.#turns.add(turn);
    try {
      const until = performance.now() + maxWaitMs;
      await new Promise<void>((resolve) => setImmediate(resolve));
      for (;;) {
        const ahead = [...this.#turns].filter((t) => t !== turn && this.#isAhead(t, turn));
        const left = until - performance.now();
        if (ahead.length === 0 || left <= 0) break;
        let timer: NodeJS.Timeout | undefined;
        // Any one of them releasing a sale or ending (another may have come in ahead meanwhile): look again.
        await Promise.race([...ahead.map((t) => t.changed), new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))]);
        clearTimeout(timer);
      }
      turn.hasStarted = true;
      return await allocate({
        release: (saleId) => {
          if (turn.sales.delete(saleId)) this.#changed(turn);
        },
      });
    } finally {
      this.#turns.delete(turn);
      this.#changed(turn);
    }
  }

  #changed(turn: Turn): void {
    const { signal } = turn;
    Object.assign(turn, nextChange());
    signal();
  }

  /**
   * Whether `other` goes before `turn`: it shares a sale, and it has started (it is on its way to the
   * sale's row, and waiting for it keeps the two in a known order) or holds an earlier place.
   */
  #isAhead(other: Turn, turn: Turn): boolean {
    if (![...other.sales].some((id) => turn.sales.has(id))) return false;
    return other.hasStarted || other.place < turn.place || (other.place === turn.place && other.n < turn.n);
  }
}

/** A fresh promise for a turn's next change, and what settles it. */
function nextChange(): { changed: Promise<void>; signal: () => void } {
  let signal!: () => void;
  const changed = new Promise<void>((resolve) => (signal = resolve));
  return { changed, signal };
}
