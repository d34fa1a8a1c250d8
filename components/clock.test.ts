import { describe, expect, it } from "vitest";
import { saleState, toSale } from "@/db/sales";
import type { SaleRow } from "@/db/schema";
import { CONFIRMED_REFRESH_MS, formatDuration, measureOffset, nextClockReadingMs, orderPollMs, orderRefreshMs, preciserReading, spread, stateAt, type ClockReading } from "./clock";

const start = Date.parse("2026-01-01T12:00:00Z");
const row = (remaining: number): SaleRow => ({
  id: "00000000-0000-4000-8000-000000000001",
  name: "Lamp",
  description: "",
  priceCents: 100,
  originalPriceCents: 200,
  stock: 5,
  remaining,
  startsAt: new Date(start),
  endsAt: new Date(start + 3600_000),
  createdAt: new Date(start - 3600_000),
});

describe("the browser's sale state", () => {
  it("agrees with the server's rule at every edge, whatever state the API last reported", () => {
    for (const remaining of [0, 3]) {
      for (const now of [start - 1, start, start + 1, start + 3600_000 - 1, start + 3600_000]) {
        const reported = toSale(row(remaining), start - 10_000); // fetched earlier: "scheduled" (or sold out)
        expect(stateAt(reported, now), `remaining ${remaining} at ${now - start}`).toBe(saleState(row(remaining), now));
      }
    }
  });

  it("keeps the API's state until the server's clock is known", () => {
    // "scheduled" and "sold_out" too, not only "live": the rule run without a time (every comparison
    // with undefined is false) or on the browser's own clock (this sale ended long ago) says otherwise.
    expect(stateAt(toSale(row(3), start - 10_000), undefined)).toBe("scheduled");
    expect(stateAt(toSale(row(0), start + 1), undefined)).toBe("sold_out");
    expect(stateAt(toSale(row(3), start + 1), undefined)).toBe("live");
  });
});

describe("formatDuration", () => {
  it("rounds up to the second, so 00:00 shows only at the opening moment", () => {
    expect(formatDuration(4001)).toBe("00:05");
    expect(formatDuration(1)).toBe("00:01");
    expect(formatDuration(0)).toBe("00:00");
    expect(formatDuration(-500)).toBe("00:00");
    expect(formatDuration(3600_000)).toBe("01:00:00");
    expect(formatDuration(90_061_000)).toBe("1d 01:01:01");
  });
});

describe("a waiting order's polling", () => {
  it("looks again 0.3 s after the Buy's answer, then ever more rarely, never less often than every 3 s", () => {
    const schedule = Array.from({ length: 12 }, (_, i) => orderPollMs(i + 1));
    expect(schedule.slice(0, 4)).toEqual([300, 450, 675, 1013]);
    expect(schedule.every((ms, i) => i === 0 || ms >= schedule[i - 1]!)).toBe(true);
    expect(Math.max(...schedule)).toBe(3000);
    // Before the first answer is counted (no data yet), the same first wait.
    expect(orderPollMs(0)).toBe(300);
  });
});

describe("when a shopper's order on screen is asked about again", () => {
  it("follows the line while pending, every 30 s or so once confirmed (the store may ship or cancel it), and never once nothing can change it", () => {
    expect(orderRefreshMs("pending", 1)).toBe(orderPollMs(1));
    expect(orderRefreshMs("pending", 9)).toBe(3000);
    expect(orderRefreshMs("completed", 20)).toBe(CONFIRMED_REFRESH_MS);
    // A page's own spread period, the same on every call (a new one would restart TanStack Query's timer).
    expect(orderRefreshMs("completed", 20, 27_500)).toBe(27_500);
    expect(orderRefreshMs("completed", 21, 27_500)).toBe(27_500);
    for (const status of ["shipped", "cancelled", "failed"] as const) expect(orderRefreshMs(status, 3)).toBe(false);
    expect(orderRefreshMs(undefined, 0)).toBe(false);
  });
});

describe("a page's polling period", () => {
  it("is spread ±20 % around the interval, so pages opened in one second do not poll in one instant", () => {
    const periods = Array.from({ length: 200 }, () => spread(1500));
    expect(Math.min(...periods)).toBeGreaterThanOrEqual(1200);
    expect(Math.max(...periods)).toBeLessThanOrEqual(1800);
    // And reaches out near both ends, so a narrower spread (±10 %) fails: 200 draws all missing the
    // outer 60 ms on one side happens about once in a billion runs.
    expect(Math.min(...periods)).toBeLessThan(1260);
    expect(Math.max(...periods)).toBeGreaterThan(1740);
    expect(new Set(periods).size).toBeGreaterThan(100);
  });
});

describe("the server clock's offset", () => {
  /**
   * A browser clock that the test moves, and a server 10 s ahead of it whose answer to each request is
   * stamped `inMs` after it was sent and arrives `backMs` after that.
   */
  function exchange(legs: [inMs: number, backMs: number][]) {
    let browser = 1_000_000;
    let asked = 0;
    return {
      asked: () => asked,
      browserNow: () => browser,
      askServerNow: async () => {
        const [inMs, backMs] = legs[asked++]!;
        browser += inMs;
        const stamped = browser + 10_000;
        browser += backMs;
        return stamped;
      },
    };
  }

  it("takes one quick round trip's reading and asks no more", async () => {
    const server = exchange([[10, 10]]);
    expect(await measureOffset({ askServer: server.askServerNow, browserNow: server.browserNow })).toMatchObject({ offset: 10_000, roundTrip: 20 });
    expect(server.asked()).toBe(1);
  });

  it("asks again after a slow round trip that waited on its way in, and keeps the shortest one's reading", async () => {
    // The first request waited 600 ms at a busy server: read alone, it would put the server 300 ms further ahead.
    const server = exchange([[610, 10], [40, 30], [15, 15]]);
    expect(await measureOffset({ askServer: server.askServerNow, browserNow: server.browserNow })).toMatchObject({ offset: 10_000, roundTrip: 30 });
    expect(server.asked()).toBe(3);
  });

  it("reads the request's own times where the browser gives them: a wait for a connection before it left, and a busy page's delay before the answer is read, count for nothing", async () => {
    let browser = 1_000_000;
    const askServer = async () => {
      const sentAt = browser + 300; // waited 300 ms for a free connection
      const now = sentAt + 5 + 10_000; // the server, 10 s ahead, stamps it 5 ms after it left
      const receivedAt = sentAt + 10;
      browser = receivedAt + 200; // the page read the answer 200 ms after it arrived
      return { now, sentAt, receivedAt };
    };
    // From the page's own clock alone: a 510 ms round trip, asked three times, read 50 ms off.
    expect(await measureOffset({ askServer, browserNow: () => browser })).toMatchObject({ offset: 10_000, roundTrip: 10 });
  });

  it("asks at most three times, and keeps the shortest of three slow ones", async () => {
    const server = exchange([[400, 10], [120, 80], [300, 300], [10, 10]]);
    expect(await measureOffset({ askServer: server.askServerNow, browserNow: server.browserNow })).toMatchObject({ offset: 10_020, roundTrip: 200 });
    expect(server.asked()).toBe(3);
  });

  it("asks once when one reading is enough (a save's own read)", async () => {
    const server = exchange([[400, 10], [10, 10]]);
    expect(await measureOffset({ askServer: server.askServerNow, browserNow: server.browserNow, monotonicNow: () => 0, samples: 1 })).toMatchObject({ offset: 10_195, roundTrip: 410 });
    expect(server.asked()).toBe(1);
  });

  it("says when the reading was taken, on the browser's clock and its monotonic one", async () => {
    const server = exchange([[10, 10]]);
    expect(await measureOffset({ askServer: server.askServerNow, browserNow: server.browserNow, monotonicNow: () => 5_000 })).toEqual({ offset: 10_000, roundTrip: 20, wallAt: 1_000_020, monoAt: 5_000 });
  });
});

describe("reading the server's clock again", () => {
  const reading = (roundTrip: number, at: number, offset = 10_000, wallAhead = 0): ClockReading => ({ offset, roundTrip, wallAt: 1_000_000 + at + wallAhead, monoAt: at });

  it("asks again 5 s after a reading over a slow round trip, three times at most, then every 5 minutes", () => {
    expect(nextClockReadingMs(reading(900, 0), 1)).toBe(5000);
    expect(nextClockReadingMs(reading(900, 0), 3)).toBe(5000);
    expect(nextClockReadingMs(reading(900, 0), 4)).toBe(300_000);
    expect(nextClockReadingMs(reading(40, 0), 1)).toBe(300_000);
    expect(nextClockReadingMs(reading(200, 0), 1)).toBe(300_000);
    expect(nextClockReadingMs(undefined, 0)).toBe(300_000);
  });

  it("keeps the earlier reading when a later one came over a slower round trip", () => {
    const first = reading(30, 0, 10_000);
    expect(preciserReading(first, reading(800, 5000, 9_600))).toBe(first);
  });

  it("takes the later reading when it is the more precise, or there is none before it", () => {
    const later = reading(30, 5000, 10_000);
    expect(preciserReading(reading(900, 0, 9_550), later)).toBe(later);
    expect(preciserReading(undefined, later)).toBe(later);
  });

  it("takes the later reading once the earlier one is a minute old, or the browser's clock was set or the machine slept since", () => {
    const first = reading(30, 0);
    const aMinuteLater = reading(800, 60_000);
    expect(preciserReading(first, aMinuteLater)).toBe(aMinuteLater);
    // The browser's clock set 2 s ahead between the two: the earlier offset is 2 s off now.
    const afterClockSet = reading(800, 5000, 8_000, 2000);
    expect(preciserReading(first, afterClockSet)).toBe(afterClockSet);
    // The machine slept 30 s: the wall clock ran on, the monotonic one did not.
    const afterSleep = reading(800, 5000, 10_000, 30_000);
    expect(preciserReading(first, afterSleep)).toBe(afterSleep);
  });
});
