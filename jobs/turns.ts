// The order in which one worker process's allocation batches of a sale take their turn.
//
// A worker's slots (WORKER_CONCURRENCY) fetch batches oldest jobs first, but two batches of one sale in
// flight at once would take the sale's row in whichever order their statements reach it: at a sale's
// last units an order could lose its unit to a later one in the other batch. So a batch goes once every
// batch of this process that shares a sale with it and holds an earlier place in line (a lower `seq`,
// the order's arrival number) has allocated. Batches fetched at the same moment (pg-boss wakes every
// slot together) are answered in either order: a batch waits one turn of the event loop before it
// looks, so that a fetch answered in the same turn is counted. A batch that has started is not stopped
// for one with an earlier place that came after it. The wait is short (the sale's row serialises
// those allocations anyway) and bounded: a batch held on a lock another transaction holds (an
// operator's session) keeps the batches behind it waiting at most `maxWaitMs`, then they go on as they
// would without it. Batches of two worker processes are not ordered against each other.

type Turn = { sales: Set<string>; place: number; n: number; hasStarted: boolean; done: Promise<void> };

export class SaleTurns {
  readonly #turns = new Set<Turn>();
  #registered = 0;

  /**
   * Runs `allocate` in the turn of a batch of `sales` whose earliest place in line is `place`
   * (-Infinity when unknown: a job queued without one goes first, as a job from before places were
   * carried would be oldest). Ties go in the order the batches came.
   */
  async run<T>(sales: Iterable<string>, place: number, maxWaitMs: number, allocate: () => Promise<T>): Promise<T> {
    let end!: () => void;
    const turn: Turn = { sales: new Set(sales), place, n: this.#registered++, hasStarted: false, done: new Promise<void>((resolve) => (end = resolve)) };
    this.#turns.add(turn);
    try {
      const until = performance.now() + maxWaitMs;
      await new Promise<void>((resolve) => setImmediate(resolve));
      for (;;) {
        const ahead = [...this.#turns].filter((t) => t !== turn && this.#isAhead(t, turn));
        const left = until - performance.now();
        if (ahead.length === 0 || left <= 0) break;
        let timer: NodeJS.Timeout | undefined;
        // Any one of them ending: another batch may have come in ahead meanwhile, so look again.
        await Promise.race([...ahead.map((t) => t.done), new Promise<void>((resolve) => (timer = setTimeout(resolve, left)))]);
        clearTimeout(timer);
      }
      turn.hasStarted = true;
      return await allocate();
    } finally {
      this.#turns.delete(turn);
      end();
    }
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
