import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import readline from "node:readline";

// `npm run test:unit`: the vitest suite as its two projects (vitest.config.mts), each in a vitest process
// of its own, side by side: the files that storm processes with load one after another, beside the rest
// one after another. Vitest runs projects of one worker each in a single queue, one file at a time, and
// most of the rest wait on timers, not the CPU; side by side the suite takes about half as long, and no
// two storms share the two cores. Each process starts its own throwaway Postgres.
//
// With arguments (`npm run test:unit -- jobs/storm.test.ts`) it is one plain `vitest run` with them.

const vitest = path.join(process.cwd(), "node_modules", "vitest", "vitest.mjs");
const args = process.argv.slice(2);
const projects = ["load", "rest"] as const;

const children: ChildProcess[] = [];
// Ctrl-C reaches the children from the terminal; a SIGTERM or SIGHUP sent to this process alone is passed on.
process.on("SIGINT", () => {});
for (const signal of ["SIGTERM", "SIGHUP"] as const) process.on(signal, () => children.forEach((child) => child.kill(signal)));

function run(extra: string[], label?: string): Promise<number> {
  const child = spawn(process.execPath, [vitest, "run", ...extra], { stdio: label ? ["ignore", "pipe", "pipe"] : "inherit" });
  children.push(child);
  if (label) {
    // Whole lines only, so the two runs' reports interleave line by line, never within one.
    for (const [from, to] of [[child.stdout!, process.stdout], [child.stderr!, process.stderr]] as const) {
      readline.createInterface({ input: from, crlfDelay: Infinity }).on("line", (line) => to.write(`${line}\n`));
    }
  }
  return new Promise((resolve) => {
    child.on("error", (err) => {
      process.stderr.write(`${label ?? "vitest"}: ${err.message}\n`);
      resolve(1);
    });
    child.on("exit", (code, signal) => {
      if (label) process.stdout.write(`${label}: vitest ${code === 0 ? "passed" : signal ? `stopped by ${signal}` : `failed (exit ${code})`}\n`);
      resolve(code ?? 1);
    });
  });
}

void (args.length > 0 ? run(args).then((code) => [code]) : Promise.all(projects.map((project) => run(["--project", project], project)))).then((codes) =>
  process.exit(codes.every((code) => code === 0) ? 0 : 1),
);
