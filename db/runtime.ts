import fs from "node:fs";
import path from "node:path";
import { config } from "./config";
import { makeDataDir } from "./data-dir";

// While `npm start` runs the embedded Postgres, its URL is kept here so that `npm run worker`,
// started by hand beside it, finds the same database without being told. The URL outlives restarts
// of `npm start` (the embedded Postgres keeps its port and password in DATA_DIR), so such a worker
// reconnects by itself once the database is back.
const fileName = "database-url";

export function writeRuntimeDatabaseUrl(url: string): void {
  const dir = config().DATA_DIR;
  makeDataDir(dir);
  fs.writeFileSync(path.join(dir, fileName), url + "\n", { mode: 0o600 });
}

export function clearRuntimeDatabaseUrl(): void {
  fs.rmSync(path.join(config().DATA_DIR, fileName), { force: true });
}

/** DATABASE_URL when set, else the URL of the embedded Postgres a running `npm start` published. */
export function resolveDatabaseUrl(): string | undefined {
  if (config().DATABASE_URL) return config().DATABASE_URL;
  try {
    return fs.readFileSync(path.join(config().DATA_DIR, fileName), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}
