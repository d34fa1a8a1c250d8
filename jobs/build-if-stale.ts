import { isBuildStale, runBuild } from "./build";

// `npm run build:if-stale`: the tests that start `next start` need a production build of the current code.
// The build runs in a process group of its own: a signal to this process stops it, its workers included.
if (!isBuildStale()) {
  process.stdout.write("production build is up to date\n");
} else {
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, () => stop.abort(new Error(`stopped by ${signal}`)));
  runBuild(process.cwd(), { signal: stop.signal }).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
