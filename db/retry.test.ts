import { sql } from "drizzle-orm";
import postgres from "postgres";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "./client";
import { useTestDatabase } from "./testing/database";
import { errorCode, isTxConflict, withTransientRetry } from "./retry";

// Real deadlocks and serialization failures from Postgres, not mocked errors: the transaction that
// loses is run again and succeeds, and its caller never sees the failure.

const db = useTestDatabase();

beforeAll(async () => {
  await db.sql`CREATE TABLE retry_probe (id int PRIMARY KEY, n int NOT NULL)`;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("withTransientRetry", () => {
  it("runs a transaction again when Postgres picks it as a deadlock victim", async () => {
    await db.sql`INSERT INTO retry_probe VALUES (1, 0), (2, 0) ON CONFLICT (id) DO UPDATE SET n = 0`;
    let attempts = 0;
    const errors: string[] = [];
    const other = db.sql.begin(async (tx) => {
      await tx`UPDATE retry_probe SET n = n + 10 WHERE id = 2`;
      await sleep(300);
      // By now the app's transaction waits on row 2; this closes the cycle. Postgres's deadlock check
      // runs first in the transaction that has waited longer (the app's), and aborts it.
      await tx`UPDATE retry_probe SET n = n + 10 WHERE id = 1`;
    });
    const app = withTransientRetry(
      "probe",
      () => {
        attempts++;
        return getDb().transaction(async (tx) => {
          await tx.execute(sql`UPDATE retry_probe SET n = n + 1 WHERE id = 1`);
          await sleep(100);
          await tx.execute(sql`UPDATE retry_probe SET n = n + 1 WHERE id = 2`);
        });
      },
      {
        retryOn: (err) => {
          errors.push(errorCode(err) ?? "none");
          return isTxConflict(err);
        },
      },
    );
    await Promise.all([app, other]);
    expect(errors).toEqual(["40P01"]);
    expect(attempts).toBe(2);
    // Both transactions' work is there, each exactly once.
    expect(await db.sql`SELECT id, n FROM retry_probe ORDER BY id`).toEqual([{ id: 1, n: 11 }, { id: 2, n: 11 }]);
  });

  it("runs a serializable transaction again after a serialization failure", async () => {
    await db.sql`INSERT INTO retry_probe VALUES (3, 0) ON CONFLICT (id) DO UPDATE SET n = 0`;
    let attempts = 0;
    const app = withTransientRetry("probe", () => {
      attempts++;
      return getDb().transaction(
        async (tx) => {
          await tx.execute(sql`SELECT n FROM retry_probe WHERE id = 3`);
          // Only the first attempt races the other writer; the retry runs alone.
          if (attempts === 1) await db.sql`UPDATE retry_probe SET n = n + 100 WHERE id = 3`;
          await tx.execute(sql`UPDATE retry_probe SET n = n + 1 WHERE id = 3`);
        },
        { isolationLevel: "serializable" },
      );
    });
    await app;
    expect(attempts).toBe(2);
    expect(await db.sql`SELECT n FROM retry_probe WHERE id = 3`).toEqual([{ n: 101 }]);
  });

  it("runs work again when Postgres refuses a connection for too many connections (53300), once one is free", async () => {
    // A role whose connection limit is reached stands for a server whose max_connections is.
    const role = `retry_full_${process.pid}`;
    await db.sql.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD 'retry-full-pw' CONNECTION LIMIT 0`);
    const url = new URL(db.url);
    [url.username, url.password] = [role, "retry-full-pw"];
    let attempts = 0;
    const codes: (string | undefined)[] = [];
    const answer = await withTransientRetry("probe", async () => {
      attempts++;
      const client = postgres(url.toString(), { max: 1, onnotice: () => {} });
      try {
        return (await client`SELECT 41 + 1 AS n`)[0]!.n as number;
      } catch (err) {
        codes.push(errorCode(err));
        // A slot frees up after the first refusal.
        await db.sql.unsafe(`ALTER ROLE ${role} CONNECTION LIMIT -1`);
        throw err;
      } finally {
        await client.end({ timeout: 1 });
      }
    });
    expect([answer, attempts, codes]).toEqual([42, 2, ["53300"]]);
  });

  it("does not repeat work that failed for a reason of its own", async () => {
    let attempts = 0;
    await expect(
      withTransientRetry("probe", () => {
        attempts++;
        return getDb().execute(sql`SELECT 1 / 0`);
      }),
    ).rejects.toThrow();
    expect(attempts).toBe(1);
  });

  it("gives up at once on an error whose causes loop back on themselves", async () => {
    // Such a chain is no database error; walking it must end (it once overflowed the stack) and the
    // caller gets the error itself, after a single attempt.
    const outer = new Error("outer");
    const inner = new Error("inner", { cause: outer });
    outer.cause = inner;
    let attempts = 0;
    await expect(
      withTransientRetry("probe", async () => {
        attempts++;
        throw outer;
      }),
    ).rejects.toBe(outer);
    expect(attempts).toBe(1);
    expect(errorCode(outer)).toBeUndefined();
    expect(isTxConflict(outer)).toBe(false);
  });
});
