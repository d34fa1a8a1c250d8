import fs from "node:fs";

// What a process and the processes it started use, read from /proc (Linux): the memory the soak test
// and the benchmark report, the CPU time the benchmark counts per request.

/** One clock tick of /proc's CPU times: USER_HZ is 100 on Linux. */
export const TICK_MS = 10;

/** A process's parent, its own CPU time (utime + stime) and that of the children it has reaped, in ms. */
export function processStat(pid: number): { ppid: number; ownMs: number; reapedMs: number } | undefined {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ").map(Number);
    return { ppid: f[1]!, ownMs: (f[11]! + f[12]!) * TICK_MS, reapedMs: (f[13]! + f[14]!) * TICK_MS };
  } catch {
    return undefined; // the process exited while we looked
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
