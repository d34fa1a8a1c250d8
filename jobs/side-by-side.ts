import { type ChildProcess, spawn } from "node:child_process";
import readline from "node:readline";

// Commands run side by side for `npm test`'s steps (jobs/check.ts, jobs/test-unit.ts), each a child
// process. Ctrl-C reaches the children from the terminal, so this process ignores it; a SIGTERM or SIGHUP
// sent to this process alone is passed on to them.
const children: ChildProcess[] = [];
process.on("SIGINT", () => {});
for (const signal of ["SIGTERM", "SIGHUP"] as const) process.on(signal, () => children.forEach((child) => child.kill(signal)));

type Output =
  /** The child's own stdio: for one command alone. */
  | "inherit"
  /** Whole lines as they come, so two children's reports interleave line by line, never within one. */
  | "lines"
  /** Everything at the child's end, at once: for short commands whose reports are read as a whole. */
  | "at-end";

/**
 * Runs `command` with `args` and resolves with its exit code (1 when it could not start or was stopped by
 * a signal). With a `label`, a line `<label> passed` (or `failed …`) follows the child's own output.
 */
export function runChild(command: string, args: string[], { label, output = "lines" }: { label?: string; output?: Output } = {}): Promise<number> {
  const child = spawn(command, args, { stdio: output === "inherit" ? "inherit" : ["ignore", "pipe", "pipe"] });
  children.push(child);
  const held: [NodeJS.WriteStream, string][] = [];
  if (output !== "inherit") {
    for (const [from, to] of [[child.stdout!, process.stdout], [child.stderr!, process.stderr]] as const) {
      readline.createInterface({ input: from, crlfDelay: Infinity }).on("line", (line) => {
        if (output === "lines") to.write(`${line}\n`);
        else held.push([to, `${line}\n`]);
      });
    }
  }
  const name = label ?? command;
  return new Promise((resolve) => {
    child.on("error", (err) => {
      process.stderr.write(`${name}: ${err.message}\n`);
      resolve(1);
    });
    // "close", not "exit": the child's output has been read to its end.
    child.on("close", (code, signal) => {
      for (const [to, line] of held) to.write(line);
      if (label) process.stdout.write(`${label} ${code === 0 ? "passed" : signal ? `stopped by ${signal}` : `failed (exit ${code})`}\n`);
      resolve(code ?? 1);
    });
  });
}

/** Exits with 0 when every code is 0, else 1. */
export function exitWith(codes: number[]): never {
  process.exit(codes.every((code) => code === 0) ? 0 : 1);
}
