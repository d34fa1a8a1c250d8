import { and, eq, gt, lte, sql } from "drizzle-orm";
import { getDb } from "./client";
import { isUuid } from "./ids";
import { adminSessions } from "./schema";

/** Records a new admin sign-in lasting `ttlSeconds`, and sweeps the ones that have expired. */
export async function startAdminSession(ttlSeconds: number): Promise<string> {
  const db = getDb();
  await db.delete(adminSessions).where(lte(adminSessions.expiresAt, sql`now()`));
  const [row] = await db
    .insert(adminSessions)
    .values({ expiresAt: sql`now() + make_interval(secs => ${ttlSeconds})` })
    .returning({ id: adminSessions.id });
  if (!row) throw new Error("insert returned no admin session");
  return row.id;
}

const liveSession = () =>
  getDb()
    .select({ id: adminSessions.id })
    .from(adminSessions)
    .where(and(eq(adminSessions.id, sql.placeholder("id")), gt(adminSessions.expiresAt, sql`now()`)))
    .prepare("admin_session_live");

let preparedLiveSession: ReturnType<typeof liveSession> | undefined;

/** Whether this sign-in still stands: not signed out, not expired. */
export async function isLiveAdminSession(id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  preparedLiveSession ??= liveSession();
  return (await preparedLiveSession.execute({ id })).length > 0;
}

/** Signs this sign-in out, wherever its cookie has been copied to. */
export async function endAdminSession(id: string): Promise<void> {
  if (!isUuid(id)) return;
  await getDb().delete(adminSessions).where(eq(adminSessions.id, id));
}

/** Ends every admin session, wherever its cookie is: when a cookie may have been copied. */
export async function endAllAdminSessions(): Promise<number> {
  const ended = await getDb().delete(adminSessions).returning({ id: adminSessions.id });
  return ended.length;
}
