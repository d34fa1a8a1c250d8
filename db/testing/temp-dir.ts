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
