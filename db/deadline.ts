// The longest a request waits for its answer. Every handler's and page's work is a few database round
// trips; one still unanswered after this is waiting on a database that stopped answering on an open
// connection (a partition, a frozen server), which no connect timeout catches. Under the web's 10 s
// drain, so a request in flight at SIGTERM is answered too.
export const REQUEST_DEADLINE_MS = 8_000;

/** The work outlived its deadline; whatever it ends with later is dropped. */
export class DeadlineExceeded extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms / 1000} s`);
    this.name = "DeadlineExceeded";
  }
}

/** `work`'s outcome, or DeadlineExceeded after `ms`; its late outcome is dropped. */
export function withDeadline<T>(work: Promise<T>, ms: number = REQUEST_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      work.catch(() => {});
      reject(new DeadlineExceeded(ms));
    }, ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
