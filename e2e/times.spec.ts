import { expect, test } from "./fixtures";

// A shopper in New York sees the sale's times in New York time, the zone named; never the server's
// UTC hour passed off as theirs.

const NEW_YORK = "America/New_York";

/** "9:05 AM" and "EST" (or "EDT") for an instant in New York, worked out here rather than by the app. */
function newYorkParts(ms: number): { clock: string; zone: string } {
  const clock = new Intl.DateTimeFormat("en-US", { timeZone: NEW_YORK, hour: "numeric", minute: "2-digit" }).format(ms);
  const zone = new Intl.DateTimeFormat("en-US", { timeZone: NEW_YORK, timeZoneName: "short" }).formatToParts(ms).find((p) => p.type === "timeZoneName")!.value;
  return { clock, zone };
}

function utcClock(ms: number): string {
  return new Intl.DateTimeFormat("en-US", { timeZone: "UTC", hour: "numeric", minute: "2-digit" }).format(ms);
}

test.describe("a shopper in New York", () => {
  test.use({ timezoneId: NEW_YORK });

  test("sees when an upcoming sale opens in New York time, the zone named", async ({ page, createSale }) => {
    const sale = await createSale({ startsInMs: 3 * 3600_000 });
    const startsAt = Date.parse((await (await page.request.get(`/api/sales/${sale.id}`)).json()).sale.startsAt);
    const { clock, zone } = newYorkParts(startsAt);

    await page.goto(`/sales/${sale.id}`);
    // The opening's date (the countdown to it is a <time> of the same instant, without a date).
    const opening = page.locator(`time[datetime="${new Date(startsAt).toISOString()}"]`).filter({ hasText: /\d{4}/ });
    await expect(opening).toContainText(clock);
    await expect(opening).toContainText(zone);
    await expect(opening).not.toContainText(utcClock(startsAt));
  });

  test("sees when an ended sale ended in New York time, the zone named", async ({ page, createSale }) => {
    const sale = await createSale({ startsInMs: -2 * 3600_000, durationMs: 3600_000 });
    const endsAt = Date.parse((await (await page.request.get(`/api/sales/${sale.id}`)).json()).sale.endsAt);
    const { clock, zone } = newYorkParts(endsAt);

    await page.goto(`/sales/${sale.id}`);
    const ended = page.getByText(/^Ended /);
    await expect(ended).toContainText(clock);
    await expect(ended).toContainText(zone);
  });
});

test("the server's page, before any script runs, names UTC rather than passing it off as the reader's zone", async ({ page, createSale }) => {
  const sale = await createSale({ startsInMs: 3 * 3600_000 });
  const html = await (await page.request.get(`/sales/${sale.id}`)).text();
  // The dates among the page's <time>s (the countdown's placeholder digits are not one).
  const dates = [...html.matchAll(/<time[^>]*>([^<]*)<\/time>/gi)].map((m) => m[1]!).filter((text) => /\b20\d\d\b/.test(text));
  expect(dates.length).toBeGreaterThan(0);
  for (const text of dates) expect(text).toMatch(/ UTC$/);
});
