import fs from "node:fs";
import os from "node:os";
import path from "node:path";

// Only node's own modules here: the vitest setup, the e2e setup and the benchmark all import this.

/**
 * A new temporary directory named `prefix` + random letters that the `postgres` system user can enter
 * (an embedded Postgres run as root runs as that user; mkdtemp makes directories 0700). The caller
 * removes it.
 */
export function makePostgresTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/**
 * Removes `dir` when this process exits, also when a run ends without its teardown (Ctrl-C), and makes
 * each of `signals` an exit: a test runner would die of them without its exit hooks, leaving the
 * embedded Postgres running (db/embedded.ts stops it on exit) and its files behind. Returns the
 * teardown's own removal, which also takes the hooks back.
 */
export function removeAtExit(dir: string, signals: readonly NodeJS.Signals[]): () => void {
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  const exitOnSignal = (signal: NodeJS.Signals) => process.exit(128 + (os.constants.signals[signal] ?? 0));
  process.once("exit", remove);
  for (const signal of signals) process.once(signal, exitOnSignal);
  return () => {
    remove();
    process.removeListener("exit", remove);
    for (const signal of signals) process.removeListener(signal, exitOnSignal);
  };
}
