import postgres from "postgres";
import { startEmbeddedPostgres } from "../embedded";
import { migrate } from "../migrate";
import { makePostgresTempDir } from "./temp-dir";

/**
 * A Postgres of a test's own, for a test that stops or restarts it (the shared one would take every
 * other test with it): in a temp directory the `postgres` user can enter, with `database` created and
 * migrated. The caller stops the cluster and removes `dir`.
 */
export async function ownCluster(tag: string, database: string, { persistent = false, flags }: { persistent?: boolean; flags?: string[] } = {}) {
  const dir = makePostgresTempDir(`flash-sale-${tag}-`);
  const cluster = await startEmbeddedPostgres({ dir, persistent, flags });
  const admin = postgres(cluster.url("postgres"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = cluster.url(database);
  await migrate(url);
  return { dir, cluster, url };
}
