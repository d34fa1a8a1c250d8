import { describe, expect, it } from "vitest";
import { assertConnectionCapacity, connectionsNeeded } from "./capacity";
import { useTestDatabase } from "./testing/database";

const db = useTestDatabase();

describe("the connections npm start may open", () => {
  it("add up the web's pool, admission connections and pg-boss, and each worker's", () => {
    // Web 10 + 2 + 2, each worker 4 + 4 + 1.
    expect(connectionsNeeded({ WORKERS: 1, PG_POOL_MAX: undefined, ADMISSION_TX_MAX: 2 })).toBe(23);
    expect(connectionsNeeded({ WORKERS: 4, PG_POOL_MAX: 20, ADMISSION_TX_MAX: 2 })).toBe(24 + 4 * 25);
  });

  it("within what Postgres allows start; past it, start-up fails naming WORKERS and max_connections", async () => {
    const [{ max }] = (await db.sql`SELECT current_setting('max_connections')::int AS max`) as unknown as [{ max: number }];
    await expect(assertConnectionCapacity(db.url, { WORKERS: 1, PG_POOL_MAX: undefined, ADMISSION_TX_MAX: 2 })).resolves.toBeUndefined();
    const workers = Math.ceil(max / 9);
    await expect(assertConnectionCapacity(db.url, { WORKERS: workers, PG_POOL_MAX: undefined, ADMISSION_TX_MAX: 2 })).rejects.toThrow(
      new RegExp(`^WORKERS=${workers} with PG_POOL_MAX=unset .* may open \\d+ connections to Postgres, which allows \\d+ \\(max_connections ${max}, \\d+ reserved\\): lower WORKERS or PG_POOL_MAX, or raise max_connections\\.$`),
    );
  });
});
