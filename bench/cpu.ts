import fs from "node:fs";
import type postgres from "postgres";
import { processStat, TICK_MS, treeCpuMs } from "@/jobs/process-tree";

// Where the machine's CPU goes, per phase: the whole machine (from /proc/stat), the load generator
// (this process), the web and worker processes, and Postgres split by who asked for the work. On a
// machine whose few cores run everything, a Buy's latency depends on all of it, not on the web
// process alone.

/** CPU time (ms) the whole machine spent busy: every core, every process, the kernel. */
export function machineBusyMs(): number {
  const [user, nice, system, , , irq, softirq, steal] = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) * TICK_MS;
}

/** CPU time (ms) used so far by a process and its descendants; 0 without a process. */
export const cpuMs = (pid: number | undefined): number => (pid ? treeCpuMs(pid) : 0);

/** Who a Postgres backend works for, from the application_name each of the app's pools sets. */
export function postgresRole(applicationName: string): string {
  if (applicationName === "flash-sale-admission") return "admission statements";
  if (applicationName === "flash-sale-worker") return "allocation";
  if (applicationName === "flash-sale-worker-boss") return "job queue (worker)";
  if (applicationName.startsWith("flash-sale-web")) return "web's other queries";
  return "other";
}

export type PostgresCpu = { totalMs: number; byPid: Map<number, { role: string; ms: number }> };

/**
 * Postgres's CPU so far: the postmaster and all its processes, including the backends that have
 * exited (their time is added to the postmaster's count of reaped children), and the share of each
 * live backend, with its role.
 */
export async function postgresCpu(sql: postgres.Sql): Promise<PostgresCpu> {
  const rows = await sql<{ pid: number; name: string }[]>`SELECT pid, coalesce(application_name, '') AS name FROM pg_stat_activity`;
  const byPid = new Map<number, { role: string; ms: number }>();
  for (const r of rows) {
    const ms = processStat(r.pid)?.ownMs;
    if (ms !== undefined) byPid.set(r.pid, { role: postgresRole(r.name), ms });
  }
  const postmaster = rows.length > 0 ? processStat(rows[0]!.pid)?.ppid : undefined;
  const reaped = postmaster ? (processStat(postmaster)?.reapedMs ?? 0) : 0;
  return { totalMs: postmaster ? treeCpuMs(postmaster) + reaped : 0, byPid };
}

/** Postgres CPU between two readings, in all and by role; a backend that exited in between counts in the total only. */
export function postgresDelta(before: PostgresCpu, after: PostgresCpu): { totalMs: number; byRole: Record<string, number> } {
  const byRole: Record<string, number> = {};
  for (const [pid, { role, ms }] of after.byPid) byRole[role] = (byRole[role] ?? 0) + ms - (before.byPid.get(pid)?.ms ?? 0);
  return { totalMs: after.totalMs - before.totalMs, byRole };
}
