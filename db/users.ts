import { eq, sql } from "drizzle-orm";
import { getDb } from "./client";
import { users, type User } from "./schema";

/** Signs a shopper in by email: the account is created the first time, found every time after. */
export async function upsertUserByEmail({ email }: { email: string }): Promise<User> {
  const [user] = await getDb()
    .insert(users)
    .values({ email: email.toLowerCase() })
    // A no-op update so RETURNING yields the existing row in the same statement.
    .onConflictDoUpdate({ target: users.email, set: { email: sql`excluded.email` } })
    .returning();
  if (!user) throw new Error("upsert returned no user");
  return user;
}

export async function getUserById({ id }: { id: string }): Promise<User | undefined> {
  const [user] = await getDb().select().from(users).where(eq(users.id, id)).limit(1);
  return user;
}
