import { describe, expect, it } from "vitest";
import { createSale, LISTED_AHEAD_MAX, LISTED_ENDED_MAX } from "@/db/sales";
import { useTestDatabase } from "@/db/testing/database";
import { call } from "@/db/testing/http";
import * as one from "./[id]/route";
import * as list from "./route";

useTestDatabase();

const hour = 3600_000;
const minute = 60_000;

describe("GET /api/sales in a shop with a long history", () => {
  it("lists the sales not yet ended, soonest first, and only the last ones that ended; an older one keeps its own page", async () => {
    const now = Date.now();
    const base = { priceCents: 900, originalPriceCents: 900, stock: 3 };
    // A shop a year on: more sales behind it than anyone scrolls through, and more announced ahead
    // than a page shows.
    const ended = [];
    for (let i = 0; i < LISTED_ENDED_MAX + 6; i++) {
      ended.push(await createSale({ ...base, name: `Past ${i}`, startsAt: new Date(now - 30 * 24 * hour), endsAt: new Date(now - (i + 1) * minute) }));
    }
    const ahead = [];
    for (let i = 0; i < LISTED_AHEAD_MAX + 5; i++) {
      ahead.push(await createSale({ ...base, name: `Ahead ${i}`, startsAt: new Date(now + (i + 1) * hour), endsAt: new Date(now + (i + 2) * hour) }));
    }
    const liveNow = await createSale({ ...base, name: "On now", startsAt: new Date(now - hour), endsAt: new Date(now + hour) });

    const res = await call(list.GET, "/api/sales");
    expect(res.status).toBe(200);
    const names: string[] = res.json.sales.map((s: { name: string }) => s.name);
    // The live sale and the soonest upcoming ones, soonest start first; the furthest off wait their
    // turn. Then the sales that ended last, latest end first.
    expect(names).toEqual([liveNow.name, ...ahead.slice(0, LISTED_AHEAD_MAX - 1).map((s) => s.name), ...ended.slice(0, LISTED_ENDED_MAX).map((s) => s.name)]);

    const oldest = ended.at(-1)!;
    const detail = await call(one.GET, `/api/sales/${oldest.id}`, { params: { id: oldest.id } });
    expect([detail.status, detail.json.sale.name, detail.json.sale.state]).toEqual([200, oldest.name, "ended"]);
  });
});
