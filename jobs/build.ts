import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const sourceRoots = ["app", "components", "db", "jobs"];
const sourceFiles = ["next.config.ts", "package-lock.json", "postcss.config.mjs", "tsconfig.json"];

function newestMtime(entry: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(entry);
  } catch {
    return 0;
  }
  // Tests are not part of the build: editing one does not make the build stale.
  if (!stat.isDirectory()) return entry.endsWith(".test.ts") ? 0 : stat.mtimeMs;
  let newest = 0;
  for (const child of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
  return newest;
}

/** True when there is no production build in `distDir`, or a source file changed after it was made. */
export function isBuildStale(root: string = process.cwd(), { distDir = ".next", extraRoots = [] }: { distDir?: string; extraRoots?: string[] } = {}): boolean {
  const buildId = path.join(root, distDir, "BUILD_ID");
  if (!fs.existsSync(buildId)) return true;
  const builtAt = fs.statSync(buildId).mtimeMs;
  const newest = Math.max(...[...sourceRoots, ...sourceFiles, ...extraRoots].map((entry) => newestMtime(path.join(root, entry))));
  return newest > builtAt;
}

/** `next build`, in the foreground, with its output shown. */
export function buildWebApp(root: string = process.cwd(), env: Record<string, string> = {}): void {
  const result = spawnSync(process.execPath, [path.join(root, "node_modules", "next", "dist", "bin", "next"), "build"], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (result.status !== 0) throw new Error(`next build failed (exit ${result.status ?? result.signal})`);
}
