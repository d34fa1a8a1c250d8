import { describe, expect, it } from "vitest";
import { assertConnectionCapacity, connectionsNeeded } from "./capacity";
import { OperatorError } from "./operator-error";
import { useTestDatabase } from "./testing/database";

const db = useTestDatabase();

describe("the connections npm start may open", () => {
  it("add up the web's pool, admission connections and pg-boss, and each worker's", () => {
    // Web 10 + 2 + 2, each worker 4 + 4 + 1.
    expect(connectionsNeeded({ WORKERS: 1, PG_POOL_MAX: undefined, ADMISSION_TX_MAX: 2 })).toBe(23);
    expect(connectionsNeeded({ WORKERS: 4, PG_POOL_MAX: 20, ADMISSION_TX_MAX: 2 })).toBe(24 + 4 * 25);
  });

  it("within what Postgres allows start; past it, start-up fails naming WORKERS and max_connections", async () => {
    const [{ max, reserved }] = (await db.sql`
      SELECT current_setting('max_connections')::int AS max,
             current_setting('superuser_reserved_connections')::int
               + coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved`) as unknown as [{ max: number; reserved: number }];
    // Postgres keeps some connections for superusers (3 by default): the app may not count on them.
    expect(reserved).toBeGreaterThan(0);
    const allowed = max - reserved;
    // One web and one worker, the web's admission connections making up the rest: exactly what is
    // allowed starts, one more does not.
    const exactly = { WORKERS: 1, PG_POOL_MAX: undefined, ADMISSION_TX_MAX: allowed - 21 };
    expect(connectionsNeeded(exactly)).toBe(allowed);
    await expect(assertConnectionCapacity(db.url, exactly)).resolves.toBeUndefined();
    const tooMany = assertConnectionCapacity(db.url, { ...exactly, ADMISSION_TX_MAX: exactly.ADMISSION_TX_MAX + 1 });
    // The operator's to fix: logged by its message alone, no stack.
    await expect(tooMany).rejects.toBeInstanceOf(OperatorError);
    await expect(tooMany).rejects.toThrow(
      new RegExp(
        `^WORKERS=1 with PG_POOL_MAX=unset .* may open ${allowed + 1} connections to Postgres, which allows ${allowed} \\(max_connections ${max}, ${reserved} reserved\\): lower WORKERS or PG_POOL_MAX, or raise max_connections\\.$`,
      ),
    );
  });
});
