import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import postgres from "postgres";
import { stopProcess, waitFor } from "./processes";

// Killing a worker while it provably holds unfinished work. The test takes the lock a worker's
// allocation needs last (the sale's row: db/allocation.ts locks the batch's orders, then the sale row
// FOR NO KEY UPDATE), so every allocation stops in the middle of its batch, with its orders locked and
// still pending and its jobs active. A worker SIGKILLed then dies holding them.

/**
 * Makes Postgres notice a client that died while its statement waits: every new connection to the
 * database checks its socket every 100 ms while running a query, and ends its session (rolling the
 * statement back) once the client is gone. Without it a dead worker's allocation, waiting on a lock,
 * would go on when the lock is released and commit, as if the worker had finished the batch.
 * (`client_connection_check_interval`: Postgres 14+, Linux.) Set before the workers start.
 */
export async function dropStatementsOfDeadClients(sql: postgres.Sql): Promise<void> {
  const [row] = await sql`SELECT current_database() AS name`;
  await sql.unsafe(`ALTER DATABASE "${row!.name as string}" SET client_connection_check_interval = '100ms'`);
}

export type RowLock = { pid: number; release: () => Promise<void> };

/**
 * Runs `lock` in a transaction on a connection of the test's own and keeps that transaction open, its
 * row locks held, until `release`. `lock` returns the rows it locked, each with `pid` (pg_backend_pid()).
 */
export async function holdRowLock(url: string, lock: (tx: postgres.TransactionSql) => Promise<postgres.Row[]>): Promise<RowLock> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: (pid: number) => void;
  const holding = new Promise<number>((r) => (locked = r));
  const tx = sql.begin(async (tx) => {
    const [row] = await lock(tx);
    if (!row) throw new Error("the lock's statement found no row");
    locked(row.pid as number);
    await released;
  });
  const pid = await Promise.race([holding, tx.then(() => Promise.reject(new Error("the lock's transaction ended early")))]);
  let ended: Promise<void> | undefined;
  return {
    pid,
    // Once, however often it is called.
    release: () =>
      (ended ??= (async () => {
        release();
        await tx;
        await sql.end({ timeout: 5 });
      })()),
  };
}

/**
 * Holds the sales table ACCESS EXCLUSIVE, as an operator's migration would, until `release`: every
 * read of a sale waits on it (a database that, for the app, stops answering).
 */
export function lockSalesTable(url: string): Promise<RowLock> {
  return lockTable(url, "sales");
}

/** Holds `table` ACCESS EXCLUSIVE until `release`, as `lockSalesTable` does the sales. */
export function lockTable(url: string, table: "sales" | "admin_sessions"): Promise<RowLock> {
  return holdRowLock(url, (tx) => tx.unsafe(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`).then(() => tx`SELECT pg_backend_pid() AS pid`));
}

/**
 * Holds the sale's row FOR NO KEY UPDATE, the lock allocation takes on it, until `release`.
 * Admission's order inserts (KEY SHARE, their foreign key) are not held up.
 */
export function holdSaleRow(url: string, saleId: string): Promise<RowLock> {
  return holdRowLock(url, (tx) => tx`SELECT pg_backend_pid() AS pid FROM sales WHERE id = ${saleId} FOR NO KEY UPDATE`);
}

/**
 * Kills workers in the middle of a batch: holds the sale row until one of `victims`' allocations is
 * seen waiting on it, SIGKILLs them all, and lets the lock go once Postgres has ended their sessions
 * and rolled their allocations back. Returns the work they held: pending orders, locked by those
 * allocations, whose jobs are active.
 */
export async function killMidBatch(
  sql: postgres.Sql,
  url: string,
  saleId: string,
  victims: ChildProcess[],
  timeoutMs: number,
): Promise<{ jobId: string; orderId: string }[]> {
  const lock = await holdSaleRow(url, saleId);
  try {
    const portsOf = () => victims.flatMap((v) => tcpPortsOf(v.pid!));
    const waiting = await waitFor(
      async () => {
        const w = await waitingAllocations(sql, lock.pid, portsOf());
        return w.length > 0 ? w : undefined;
      },
      timeoutMs,
      "a victim's allocation to wait on the sale row",
      20,
    );
    const ports = portsOf();
    await Promise.all(victims.map((v) => stopProcess(v, "SIGKILL")));
    const held = await heldJobs(sql, saleId, waiting);
    await waitForBackendsGone(sql, ports);
    return held;
  } finally {
    await lock.release();
  }
}

/** The local TCP ports of a live process's sockets (from /proc, Linux): `client_port` of its connections in pg_stat_activity. */
function tcpPortsOf(pid: number): number[] {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return []; // it has exited
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed while we looked
    }
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const lines = fs.existsSync(table) ? fs.readFileSync(table, "utf8").trim().split("\n").slice(1) : [];
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      if (inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(":")[1]!, 16));
    }
  }
  return ports;
}

/** An allocation statement stopped on the test's lock: its backend, and the transaction that locked its batch's orders. */
type WaitingAllocation = { pid: number; xid: string };

/**
 * The backends of some processes' connections (their client ports, `tcpPortsOf`) that wait, directly
 * or behind another waiter, on the lock `lockPid` holds, having locked rows already (an xid). (The
 * first allocation to reach the sale row waits for the test's transaction; the next ones queue for
 * the row behind it.) Only an allocation waits on the sale row.
 */
async function waitingAllocations(sql: postgres.Sql, lockPid: number, ports: number[]): Promise<WaitingAllocation[]> {
  if (ports.length === 0) return [];
  const rows = await sql`
    WITH RECURSIVE behind(pid) AS (
      SELECT ${lockPid}::int
      UNION
      SELECT a.pid FROM pg_stat_activity a, behind b WHERE b.pid = ANY(pg_blocking_pids(a.pid))
    )
    SELECT a.pid, a.backend_xid::text AS xid FROM pg_stat_activity a JOIN behind USING (pid)
    WHERE a.pid <> ${lockPid}::int AND a.backend_xid IS NOT NULL AND a.client_port = ANY(${ports}::int[])`;
  return rows.map((r) => ({ pid: r.pid as number, xid: r.xid as string }));
}

/**
 * The place-order jobs still active whose orders are still pending and locked by the given
 * allocations' transactions (`xmax`, which a row lock sets and an abort leaves in place until the row
 * is locked or changed again): the unfinished work those allocations hold.
 */
async function heldJobs(sql: postgres.Sql, saleId: string, allocations: WaitingAllocation[]): Promise<{ jobId: string; orderId: string }[]> {
  if (allocations.length === 0) return [];
  const rows = await sql`
    SELECT j.id::text AS job_id, o.id::text AS order_id FROM orders o
    JOIN pgboss.job j ON j.name = 'place-order' AND j.data->>'orderId' = o.id::text
    WHERE o.sale_id = ${saleId} AND o.status = 'pending' AND j.state = 'active'
      AND o.xmax::text = ANY(${allocations.map((a) => a.xid)}::text[])`;
  return rows.map((r) => ({ jobId: r.job_id as string, orderId: r.order_id as string }));
}

/**
 * Waits (bounded) until no backend of a killed process (its client ports, read while it lived) is
 * left: Postgres has ended their sessions and rolled back what they were running, so releasing the
 * test's lock cannot let a dead worker's allocation commit.
 */
async function waitForBackendsGone(sql: postgres.Sql, ports: number[], timeoutMs = 5_000): Promise<void> {
  await waitFor(
    async () => ((await sql`SELECT pid FROM pg_stat_activity WHERE client_port = ANY(${ports}::int[]) AND client_addr IS NOT NULL`).length === 0 ? true : undefined),
    timeoutMs,
    "the killed worker's backends to end",
    20,
  );
}

/** How many of these orders are still pending. */
export async function stillPending(sql: postgres.Sql, orderIds: string[]): Promise<number> {
  const [row] = await sql`SELECT count(*)::int AS n FROM orders WHERE id = ANY(${orderIds}::uuid[]) AND status = 'pending'`;
  return row!.n as number;
}

/** Of these jobs: how many are completed, and how many of those only after a redelivery (retry_count ≥ 1). */
export async function redelivered(sql: postgres.Sql, jobIds: string[]): Promise<{ completed: number; redelivered: number }> {
  const [row] = await sql`
    SELECT count(*) FILTER (WHERE state = 'completed')::int AS completed,
      count(*) FILTER (WHERE state = 'completed' AND retry_count >= 1)::int AS redelivered
    FROM pgboss.job WHERE id = ANY(${jobIds}::uuid[])`;
  return row as unknown as { completed: number; redelivered: number };
}
