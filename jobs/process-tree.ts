import fs from "node:fs";

// What a process and the processes it started are and use, read from /proc (Linux): the memory the
// soak test and the benchmark report, the CPU time the benchmark counts per request, the parent and
// command line the embedded Postgres's checks name, the state and start time the tests' clean-up needs.
// The one place /proc/<pid>/stat is parsed.

/** One clock tick of /proc's CPU times: USER_HZ is 100 on Linux. */
export const TICK_MS = 10;

export type ProcessStat = {
  /** R running, S sleeping, Z zombie (exited, not yet reaped by its parent), … */
  state: string;
  ppid: number;
  /** Its process group. */
  pgrp: number;
  /** Its own CPU time (utime + stime), in ms. */
  ownMs: number;
  /** CPU time of the children it has reaped, in ms. */
  reapedMs: number;
  /** When it started, in clock ticks since boot: with the id, it names one process, not a reused id. */
  startTicks: number;
};

/**
 * Whether the process runs: one of another user does (signalling it is refused), a zombie (dead, not yet
 * reaped by its parent) does not.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return processStat(pid)?.state !== "Z";
}

/** What /proc/<pid>/stat says of a process; undefined once it has exited. */
export function processStat(pid: number): ProcessStat | undefined {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces: state, ppid, pgrp, …
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = text.slice(text.lastIndexOf(") ") + 2).split(" ");
    const n = (i: number) => Number(f[i]);
    return { state: f[0]!, ppid: n(1), pgrp: n(2), ownMs: (n(11) + n(12)) * TICK_MS, reapedMs: (n(13) + n(14)) * TICK_MS, startTicks: n(19) };
  } catch {
    return undefined; // the process exited while we looked
  }
}

/** A process's command line, its arguments joined by spaces; undefined once it has exited. */
export function commandLine(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return undefined;
  }
}

/** `pid` and all its descendants alive now. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = processStat(Number(entry))?.ppid;
    if (ppid !== undefined) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const tree: number[] = [];
  for (const queue = [pid]; queue.length > 0; ) {
    const p = queue.pop()!;
    tree.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return tree;
}

/** Resident memory of a process and its descendants, in bytes. */
export function treeRss(pid: number): number {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0) * 1024;
    } catch {
      // the process exited while we looked
    }
  }
  return total;
}

/** CPU time (ms) used so far by a process and its descendants. */
export function treeCpuMs(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + (processStat(p)?.ownMs ?? 0), 0);
}
