import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { startEmbeddedPostgres } from "../embedded";
import { migrate } from "../migrate";

/**
 * A Postgres of a test's own, for a test that stops or restarts it (the shared one would take every
 * other test with it): in a temp directory the `postgres` user can enter, with `database` created and
 * migrated. The caller stops the cluster and removes `dir`.
 */
export async function ownCluster(tag: string, database: string, { persistent = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `flash-sale-${tag}-`));
  fs.chmodSync(dir, 0o755);
  const cluster = await startEmbeddedPostgres({ dir, persistent });
  const admin = postgres(cluster.url("postgres"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = cluster.url(database);
  await migrate(url);
  return { dir, cluster, url };
}
