import { whenParentGone } from "./parent-watch";

// Imported first by the worker and web entries. Loading their modules takes a second or two, and a
// stop signal in that time would kill the process outright (exit by signal, not the clean exit 0
// a supervisor or service manager expects). Until the entry hands its stop to onStopSignal, a signal
// is remembered instead, and the entry stops at once when it takes over.
const SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
let received: NodeJS.Signals | undefined;
const remember = (signal: NodeJS.Signals) => void (received ??= signal);
for (const signal of SIGNALS) process.on(signal, remember);

/** Removes the waiting handlers (the entry's own are installed just before): the signal that came meanwhile, if one did. */
export function takeEarlySignal(): NodeJS.Signals | undefined {
  for (const signal of SIGNALS) process.off(signal, remember);
  return received;
}

/** The entry's stop for SIGTERM, SIGINT and SIGHUP from now on; called at once if one came while it loaded. */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void): void {
  for (const signal of SIGNALS) process.on(signal, () => stop(signal));
  const early = takeEarlySignal();
  if (early) stop(early);
}

// A web or worker process started by another (npm start's supervisor, the benchmark, a test) stops
// when that process is gone: killed outright (SIGKILL, an OOM kill) it cannot stop its children, which
// would serve on, holding the port, with nothing to restart or stop them. The parent's pid comes in
// FLASH_PARENT_PID (jobs/launch.ts); once this process has another parent, it sends itself SIGTERM,
// the same clean stop as any other.
const parentPid = Number(process.env.FLASH_PARENT_PID);
if (Number.isInteger(parentPid) && parentPid > 0) {
  whenParentGone(parentPid, () => {
    void import("@/db/log")
      .then(({ log }) => log.warn({ parentPid }, "the process that started this one is gone: stopping"))
      .catch(() => {})
      .finally(() => process.kill(process.pid, "SIGTERM"));
  });
}
