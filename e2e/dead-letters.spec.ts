import type { Page } from "@playwright/test";
import type { Sql } from "postgres";
import { expect, test } from "./fixtures";
import { deadLetterRow, gate, openAdmin, openNewDeadLetters, sendDoomedChange } from "./shopper";

// The dead letters page lists every test's dead letters: each test here finds its own by their rows
// (`data-order-id`), never by place or count.

/** The dead letters of the change sent for `orderId` (their job ids). */
function deadLetterJobs(db: Sql, orderId: string) {
  return db<{ id: string }[]>`SELECT id FROM pgboss.job WHERE name = 'order-status-dead' AND data->>'orderId' = ${orderId}`;
}

/** The dead letter of the change sent for `orderId`, deleted as another admin's Discard would. */
async function discardElsewhere(page: Page, db: Sql, orderId: string): Promise<void> {
  const [job] = await deadLetterJobs(db, orderId);
  expect(job, "the dead letter is in the database").toBeDefined();
  expect((await page.request.delete(`/api/admin/dead-letters/${job!.id}`)).status()).toBe(204);
}

test("a Discard on its way leaves every other row's buttons to use, and a refusal is told on its own row", async ({ page, db }) => {
  test.setTimeout(90_000);
  await openAdmin(page);
  const [first, second] = await openNewDeadLetters(page, "d15c", 2);

  // The first Discard is held on its way; the second row's goes through meanwhile.
  const firstDiscard = gate();
  let isFirst = true;
  await page.route("**/api/admin/dead-letters/*", async (route) => {
    if (route.request().method() === "DELETE" && isFirst) {
      isFirst = false;
      await firstDiscard.opened;
    }
    await route.fallback();
  });
  await first!.row.getByRole("button", { name: "Discard" }).click();
  await first!.row.getByRole("button", { name: "Yes, discard it" }).click();
  await expect(first!.row.getByTestId("dead-letter-action")).toHaveText("Discarding…");

  await second!.row.getByRole("button", { name: "Discard" }).click();
  await second!.row.getByRole("button", { name: "Yes, discard it" }).click();
  await expect(second!.row).toHaveCount(0);
  await expect(first!.row.getByTestId("dead-letter-action")).toHaveText("Discarding…");

  // Another admin discards the first one before the held request arrives: this page's is refused, and
  // the row says so (the list's refreshes held, so the row stays to say it), with its buttons back.
  // Once the page's next refresh is held, no answer read before the other admin's Discard can come back
  // after it (the list asks one refresh at a time) and take the row away.
  const here = page.url();
  const refreshHeld = gate();
  await page.route("**/api/admin/dead-letters**", async (route) => {
    if (route.request().method() !== "GET" || route.request().frame().url() !== here) return route.fallback();
    refreshHeld.open();
    await new Promise<void>(() => {});
  });
  await refreshHeld.opened;
  await discardElsewhere(page, db, first!.missing);
  const refused = page.waitForResponse((response) => response.request().method() === "DELETE" && response.url().includes("/api/admin/dead-letters/"));
  firstDiscard.open();
  expect((await refused).status()).toBe(404);
  await expect(first!.row.getByTestId("dead-letter-refused")).toHaveText(/^Not discarded: .*retried or discarded/);
  await expect(first!.row.getByRole("button", { name: "Retry" })).toBeVisible();
});

test("the dead letters hold their places while the pointer is on the table, after a Discard too; newer ones wait behind a button", async ({ page }) => {
  test.setTimeout(90_000);
  await openAdmin(page);
  const [mine, discarded] = await openNewDeadLetters(page, "401d", 2);
  const rows = page.getByTestId("dead-letter-row");
  await mine!.row.hover();
  // A Discard moves keyboard focus out of the table (to the count above it, as its row goes), with the
  // pointer still on the rows: they stay held.
  await discarded!.row.getByRole("button", { name: "Discard" }).click();
  await discarded!.row.getByRole("button", { name: "Yes, discard it" }).click();
  await expect(discarded!.row).toHaveCount(0);
  await expect(page.getByTestId("dead-letter-summary")).toBeFocused();
  const before = await rows.evaluateAll((all) => all.map((row) => row.getAttribute("data-order-id")));

  // A newer dead letter arrives while the admin's pointer is on the table: the rows stay where they are.
  const newer = await sendDoomedChange(page, "401d", 2);
  await page.waitForResponse(async (response) => response.request().method() === "GET" && response.url().includes("/api/admin/dead-letters") && (await response.text()).includes(newer), {
    timeout: 45_000,
  });
  await expect(page.getByTestId("show-newer")).toHaveText(/^Show \d+ newer dead letters?$/);
  await expect(deadLetterRow(page, newer)).toHaveCount(0);
  const held = await rows.evaluateAll((all) => all.map((row) => row.getAttribute("data-order-id")));
  // Rows may leave (another test's Discard), none moves up or down, and none arrives.
  expect(held).toEqual(before.filter((id) => held.includes(id)));
  expect(held).toContain(mine!.missing);

  await page.getByTestId("show-newer").click();
  await expect(deadLetterRow(page, newer)).toBeVisible();
  await expect(page.getByTestId("show-newer")).toHaveCount(0);
});

test("a Discard taken with the pointer far down the table leaves the page where it is; from the keyboard, the page shows the count focus went to", async ({ page }) => {
  test.setTimeout(120_000);
  await openAdmin(page);
  // This test's two rows with eight newer ones above them: far down a table taller than the screen.
  const [byPointer, byKeyboard] = await openNewDeadLetters(page, "5c01", 2);
  const above = await Promise.all(Array.from({ length: 8 }, (_, n) => sendDoomedChange(page, "5c01", n + 2)));
  for (const id of above) await expect(deadLetterRow(page, id)).toBeVisible({ timeout: 45_000 });
  const summary = page.getByTestId("dead-letter-summary");

  await byPointer!.row.getByRole("button", { name: "Discard" }).click();
  await byPointer!.row.getByRole("button", { name: "Yes, discard it" }).click();
  await expect(byPointer!.row).toHaveCount(0);
  // Focus lands on the count above the table, as ever, but the page stays on the rows under the pointer.
  await expect(summary).toBeFocused();
  await expect(summary).not.toBeInViewport();
  await expect(byKeyboard!.row).toBeInViewport();

  await byKeyboard!.row.getByRole("button", { name: "Discard" }).focus();
  await page.keyboard.press("Enter");
  await expect(byKeyboard!.row.getByRole("button", { name: "Yes, discard it" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(byKeyboard!.row).toHaveCount(0);
  await expect(summary).toBeFocused();
  await expect(summary).toBeInViewport();
});

test("focus on Show newer goes to the table when the newer dead letter leaves before anyone asks for it", async ({ page, db }) => {
  test.setTimeout(120_000);
  // The page's list is cut down to this test's rows: another test's newer dead letter, counted by the
  // button too, would keep it on the page.
  await page.route("**/api/admin/dead-letters", async (route) => {
    if (route.request().method() !== "GET") return route.fallback();
    const response = await route.fetch();
    const body = (await response.json()) as { deadLetters: { payload: { orderId?: unknown } }[] };
    await route.fulfill({ response, json: { ...body, deadLetters: body.deadLetters.filter((d) => String(d.payload.orderId ?? "").includes("-b7f0-")) } });
  });
  await openAdmin(page);
  const [mine] = await openNewDeadLetters(page, "b7f0", 1);
  await mine!.row.hover();
  const newer = await sendDoomedChange(page, "b7f0", 1);
  const showNewer = page.getByTestId("show-newer");
  await expect(showNewer).toHaveText("Show 1 newer dead letter", { timeout: 45_000 });
  await showNewer.focus();

  // Another admin discards it: at the next refresh the button has nothing to show and goes.
  await discardElsewhere(page, db, newer);
  await expect(showNewer).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Dead letters table" })).toBeFocused();
  await expect(mine!.row).toBeVisible();
});
