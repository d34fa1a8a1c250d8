import path from "node:path";
import { exitWith, runChild } from "./side-by-side";

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

void (
  args.length > 0
    ? runChild(process.execPath, [vitest, "run", ...args], { output: "inherit" }).then((code) => [code])
    : Promise.all(projects.map((project) => runChild(process.execPath, [vitest, "run", "--project", project], { label: `${project}: vitest` })))
).then(exitWith);
