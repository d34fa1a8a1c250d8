import { detached } from "./detached";

// The longest a request waits for its answer. Every handler's and page's work is a few database round
// trips; one still unanswered after this is waiting on a database that stopped answering on an open
// connection (a partition, a frozen server), which no connect timeout catches. Under the web's 10 s
// drain, so a request in flight at SIGTERM is answered too.
export const REQUEST_DEADLINE_MS = 8_000;

// Deadlines are checked together, this often, by one timer: every request passes through here (a Buy
// included), and a timer and a race of promises each would cost it more than the check.
const SWEEP_MS = 250;

/** The work outlived its deadline; whatever it ends with later is dropped. */
export class DeadlineExceeded extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms / 1000} s`);
    this.name = "DeadlineExceeded";
  }
}

type Waiting = { at: number; ms: number; fail: (err: Error) => void };

const holder = globalThis as unknown as { __flashSaleDeadlines?: { waiting: Set<Waiting>; sweeper?: NodeJS.Timeout } };
const state = (holder.__flashSaleDeadlines ??= { waiting: new Set() });

function sweep(): void {
  const now = Date.now();
  for (const entry of state.waiting) {
    if (entry.at > now) continue;
    state.waiting.delete(entry);
    entry.fail(new DeadlineExceeded(entry.ms));
  }
  if (state.waiting.size === 0) {
    clearInterval(state.sweeper);
    state.sweeper = undefined;
  }
}

/** `work`'s outcome, or DeadlineExceeded once `ms` have passed (within SWEEP_MS); its late outcome is dropped. */
export function withDeadline<T>(work: Promise<T>, ms: number = REQUEST_DEADLINE_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const entry: Waiting = { at: Date.now() + ms, ms, fail: reject };
    state.waiting.add(entry);
    // Started outside the request's context: the timer outlives the request that started it.
    state.sweeper ??= detached(() => setInterval(sweep, SWEEP_MS).unref());
    work.then(
      (value) => {
        state.waiting.delete(entry);
        resolve(value);
      },
      (err: unknown) => {
        state.waiting.delete(entry);
        reject(err);
      },
    );
  });
}
