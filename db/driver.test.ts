import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "./testing/database";

// What the app relies on from postgres.js, checked against a real Postgres: the fixes carried in
// patches/postgres+3.4.9.patch hold in the installed driver.

const db = useTestDatabase();
let one: postgres.Sql | undefined;
afterAll(async () => {
  await one?.end({ timeout: 1 });
});

describe("the database driver", () => {
  it("answers a query in full on a connection whose previous query failed after sending rows", async () => {
    one = postgres(db.url, { max: 1, onnotice: () => {} });
    const sql = one;
    const expected = await sql`SELECT x FROM generate_series(1, 5) AS x`;
    // Postgres sends the first three rows, then fails on the fourth (division by zero).
    const failed = await sql`SELECT i, 1 / (4 - i) AS boom FROM generate_series(1, 10) AS i`.then(
      () => undefined,
      (err: { code?: string }) => err.code,
    );
    expect(failed).toBe("22012");
    const after = await sql`SELECT x FROM generate_series(1, 5) AS x`;
    // Unpatched, the rows of the next query start where the failed one stopped: [ <3 empty>, 1, 2, 3, 4, 5 ].
    expect(after.length).toBe(5);
    expect([...after]).toEqual([...expected]);
  });
});
