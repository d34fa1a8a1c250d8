import { isBuildStale, runBuild } from "./build";

// `npm run build:if-stale`: the tests that start `next start` need a production build of the current code.
// The build runs in a process group of its own: a signal to this process stops it, its workers included.
// `--types-checked` (from `npm test`, after its typecheck) skips the build's second type check (next.config.ts).
const typesChecked = process.argv.slice(2).includes("--types-checked");
if (!isBuildStale()) {
  process.stdout.write("production build is up to date\n");
} else {
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, () => stop.abort(new Error(`stopped by ${signal}`)));
  runBuild(process.cwd(), { signal: stop.signal, env: typesChecked ? { TYPES_CHECKED: "1" } : {} }).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
