import fs from "node:fs";
import path from "node:path";
import { OperatorError } from "./operator-error";

/**
 * Makes `dir` and its missing parents, as `mkdirSync(dir, { recursive: true })` does, and returns the
 * first directory it made (undefined when `dir` was there). One level at a time: Node's recursive mkdir
 * never returns under /proc or /sys (mkdir there answers ENOENT below a directory that exists, and it
 * retries the parent for ever, deaf to Ctrl-C). A directory that cannot be made is the operator's to
 * fix, told without a stack and naming DATA_DIR.
 */
export function makeDataDir(dir: string): string | undefined {
  const missing: string[] = [];
  for (let at = path.resolve(dir); !fs.existsSync(at); at = path.dirname(at)) missing.unshift(at);
  for (const at of missing) {
    try {
      fs.mkdirSync(at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EEXIST") continue; // made meanwhile by another process starting beside this one
      const full = path.resolve(dir);
      const why = at === full ? (code ?? String(err)) : `${code ?? String(err)} at ${at}`;
      throw new OperatorError(`DATA_DIR: cannot create ${full} (${why}): set DATA_DIR to a directory this user may create and write`);
    }
  }
  return missing[0];
}
