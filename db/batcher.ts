import { isTransientDbError, isTxConflict } from "./retry";

// Group work that arrives together: calls made while `maxInFlight` batches are already running wait
// for the next batch, which `run` handles as one (one statement or one transaction for all). Alone,
// a call waits for nobody: its batch starts on the next turn of the event loop.

type Waiting<I, O> = { item: I; resolve: (o: O) => void; reject: (err: unknown) => void };

type Options = {
  maxBatch?: number;
  maxInFlight?: number;
  /**
   * Whether a failed batch is tried again item by item, so that one bad item fails alone. By default
   * every failure but a database that could not be reached or went away (refused or dropped
   * connection, shutdown): that says nothing about any item, and while the database is down, running
   * a batch of N again as N statements would queue N connection attempts behind each other, each
   * waiting out the client's reconnect backoff, where one answer for all is due at once. A lost race
   * (deadlock, serialization failure) is split like any other: smaller transactions collide less.
   */
  isItemFailure?: (err: unknown) => boolean;
};

export function batcher<I, O>(run: (items: I[]) => Promise<O[]>, { maxBatch = 500, maxInFlight = 2, isItemFailure = (err) => isTxConflict(err) || !isTransientDbError(err) }: Options = {}) {
  const waiting: Waiting<I, O>[] = [];
  let inFlight = 0;

  async function settle(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const results = await run(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (err) {
      if (batch.length === 1 || !isItemFailure(err)) return batch.forEach((w) => w.reject(err));
      // One bad item must not fail the others: each is tried again on its own.
      await Promise.all(batch.map((w) => settle([w])));
    }
  }

  async function drain(): Promise<void> {
    try {
      while (waiting.length > 0) await settle(waiting.splice(0, maxBatch));
    } finally {
      inFlight--;
    }
  }

  return (item: I): Promise<O> =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      if (inFlight < maxInFlight) {
        inFlight++;
        setImmediate(drain);
      }
    });
}
