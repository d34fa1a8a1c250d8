import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, inject } from "vitest";
import { stopWebBoss } from "@/jobs/boss";
import { closeDb } from "../client";
import { migrate } from "../migrate";

/** Creates an empty, migrated database for one test file and points the app's pool at it. */
export async function freshDatabase(): Promise<{ url: string; sql: postgres.Sql; drop: () => Promise<void> }> {
  const adminUrl = inject("pgAdminUrl");
  const name = `test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  await migrate(url);
  process.env.DATABASE_URL = url;
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  return {
    url,
    sql,
    drop: async () => {
      await sql.end({ timeout: 5 });
      const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

export type TestDatabase = { url: string; sql: postgres.Sql };

/**
 * Registers a fresh database for the calling test file: created before its tests, and after them the
 * app's pool and pg-boss are closed and the database dropped. Fields are filled in by `beforeAll`.
 */
export function useTestDatabase(): TestDatabase {
  const handle = {} as TestDatabase;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const db = await freshDatabase();
    handle.url = db.url;
    handle.sql = db.sql;
    drop = db.drop;
  });
  afterAll(async () => {
    await stopWebBoss();
    await closeDb();
    await drop?.();
  });
  return handle;
}
