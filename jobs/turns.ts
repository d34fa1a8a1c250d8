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
//
// Turns alone keep the line only while batches hold consecutive places. The slots, woken together,
// fetch at the same moment, each skipping the jobs the other has just locked, so between them they
// can split a stretch of the line every other job; the batch that goes first would then sell its later
// places while the other's earlier ones waited, and at a sale's last units those were refused as sold
// out (the bench's storm counts such orders: "served out of line"). So a batch whose turn comes takes
// along, in its sales, the orders of the batches still waiting behind it (`TurnHandle.alongside`): one
// statement allocates them all in line order, and those batches, when their turn comes, find them
// final and only complete their jobs, as a redelivered job does. An allocation that fails leaves them
// pending for their own batch.

/** An order a batch carries, by its sale. */
export type BatchOrder = { saleId: string; orderId: string };

type Turn = { sales: Set<string>; orders: readonly BatchOrder[]; place: number; n: number; hasStarted: boolean; changed: Promise<void>; signal: () => void };

/**
 * What a batch's allocation can do in its turn: let the batches behind it have one of its sales; and
 * the orders, in its sales, of the batches waiting behind it when it started, to allocate with its own.
 */
export type TurnHandle = { release: (saleId: string) => void; alongside: readonly BatchOrder[] };

export class SaleTurns {
  readonly #turns = new Set<Turn>();
  #registered = 0;

  /**
   * Runs `allocate` in the turn of a batch of `sales` whose earliest place in line is `place`
   * (-Infinity when unknown: a job queued without one goes first, as a job from before places were
   * carried would be oldest). Ties go in the order the batches came. `orders`, the batch's, are what
   * a batch ahead of it may take along.
   */
  async run<T>(sales: Iterable<string>, place: number, maxWaitMs: number, allocate: (turn: TurnHandle) => Promise<T>, orders: readonly BatchOrder[] = []): Promise<T> {
    const turn: Turn = { sales: new Set(sales), orders, place, n: this.#registered++, hasStarted: false, ...nextChange() };
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
      // A batch not started that shares a sale with this one waits for it now (it has started): its
      // orders in this one's sales go with this one's.
      const waiting = [...this.#turns].filter((t) => t !== turn && !t.hasStarted);
      const alongside = waiting.flatMap((t) => t.orders.filter((o) => turn.sales.has(o.saleId)));
      return await allocate({
        release: (saleId) => {
          if (turn.sales.delete(saleId)) this.#changed(turn);
        },
        alongside,
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
