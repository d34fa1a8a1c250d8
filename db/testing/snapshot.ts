import type postgres from "postgres";

/**
 * A fingerprint of everything a request could change: every row of the app's tables and of the
 * queue's jobs. Two equal snapshots mean the database was left as it was.
 */
export async function databaseSnapshot(sql: postgres.Sql): Promise<Record<string, string>> {
  const tables = ["users", "sales", "orders", "pgboss.job"];
  const result: Record<string, string> = {};
  for (const table of tables) {
    const [row] = await sql.unsafe(`SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') AS f FROM ${table} t`);
    result[table] = row!.f as string;
  }
  return result;
}
