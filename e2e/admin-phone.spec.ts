import type { Locator } from "@playwright/test";
import { expect, test } from "./fixtures";
import { completedOrders, openAdmin, openNewDeadLetter } from "./shopper";

// The admin's pages on a 390 px phone: nothing wider than the screen, no badge or nav link broken over
// two lines, and the tables (wider than a phone) scrolling inside a region a keyboard can reach.

test.use({ viewport: { width: 390, height: 844 } });

/** How many lines of text an element takes (its height without padding and border, over its line height). */
function lines(locator: Locator): Promise<number> {
  return locator.evaluate((el) => {
    const style = getComputedStyle(el);
    const edges = [style.paddingTop, style.paddingBottom, style.borderTopWidth, style.borderBottomWidth].reduce((sum, value) => sum + parseFloat(value), 0);
    return Math.round((el.getBoundingClientRect().height - edges) / parseFloat(style.lineHeight));
  });
}

test("no admin page is wider than the screen; badges and the nav keep to one line; tables scroll in a named, focusable region", async ({ page, createSale, baseURL, db }, testInfo) => {
  const sale = await createSale({ stock: 1 });
  await completedOrders(baseURL, db, sale.id, 1, "phone");
  await openAdmin(page);
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  /** The table's region can be focused and scrolled sideways from the keyboard. */
  const expectScrollsByKeyboard = async (region: Locator) => {
    // A Tab stop, described by the line that says it scrolls.
    await expect(region).toHaveAttribute("tabindex", "0");
    await expect(region).toHaveAccessibleDescription("Scroll the table sideways for every column →");
    await region.focus();
    await expect(region).toBeFocused();
    expect(await region.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => region.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
  };

  const nav = page.getByRole("navigation", { name: "Admin" });
  const badge = page.getByTestId("admin-sale-row").filter({ hasText: sale.name }).getByText("sold out", { exact: true });
  await expect(badge).toBeVisible();
  expect(await lines(badge)).toBe(1);
  expect(await lines(nav.getByRole("link", { name: "Dead letters" }))).toBe(1);
  expect(await fits()).toBe(true);
  await expectScrollsByKeyboard(page.getByRole("region", { name: "Sales table" }));
  await page.screenshot({ path: testInfo.outputPath("sales-390.png") });

  await page.goto(`/admin/sales/${sale.id}`);
  await expect(page.getByTestId("order-row")).toHaveCount(1);
  expect(await lines(page.getByRole("heading", { level: 1 }).getByText("sold out", { exact: true }))).toBe(1);
  expect(await fits()).toBe(true);
  await expectScrollsByKeyboard(page.getByRole("region", { name: "Orders table" }));
  // No tooltip on a phone: the Seq. column's meaning is written under the table.
  await expect(page.getByText(/^Seq\.: Arrival number, counted across every sale/)).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("sale-390.png"), fullPage: true });

  await page.goto("/admin/dead-letters");
  await expect(page.getByTestId("dead-letter-total")).toBeVisible();
  expect(await lines(nav.getByRole("link", { name: "Dead letters" }))).toBe(1);
  expect(await fits()).toBe(true);
  await page.screenshot({ path: testInfo.outputPath("dead-letters-390.png") });
});

test("on a wide screen, where the tables fit, they are no Tab stop and say nothing of scrolling", async ({ page, createSale }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  // A sale of its own, so the list has a table when this test runs first; its name a word no line can
  // hold, which breaks over lines in its cell rather than widen the table past the page.
  await createSale({ name: `Pneumonoultramicroscopicsilicovolcanoconiosis${Date.now().toString(36)}Supercalifragilisticexpialidocious` });
  await openAdmin(page);
  const region = page.getByRole("region", { name: "Sales table" });
  await expect(region).toBeVisible();
  expect(await region.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
  await expect(region).toHaveAttribute("tabindex", "-1");
  await expect(region).toHaveAccessibleDescription("");
  await expect(page.getByText("Scroll the table sideways")).toBeHidden();
  // Tab from the last link before the table goes past it, not into it.
  await page.getByRole("link", { name: "Dead letters", exact: true }).focus();
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    await expect(region).not.toBeFocused();
  }
});

test("a sale whose name is one long word breaks it over lines rather than widening its page", async ({ page, createSale }, testInfo) => {
  const sale = await createSale({ name: `Deluxe Supercalifragilisticexpialidocious${Date.now().toString(36)} Edition` });
  await openAdmin(page);
  await page.goto(`/admin/sales/${sale.id}`);
  const heading = page.getByRole("heading", { level: 1 });
  await expect(heading).toContainText(sale.name);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  expect(await heading.evaluate((el) => el.getBoundingClientRect().right)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: testInfo.outputPath("long-name-390.png") });
});

test("a dead letter's payload keeps its lines whole, in a column wide enough to read, the table scrolling instead", async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  await openAdmin(page);
  const { missing, row } = await openNewDeadLetter(page, "cafe");
  const payload = row.locator("pre");
  const text = (await payload.textContent())!;
  expect(text).toContain(missing);
  // As many lines on screen as the JSON has: none broken mid-word (the order id on a line of its own).
  expect(await lines(payload)).toBe(text.split("\n").length);
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  // The queue's name on one line too, not "order-" over "status".
  const queueLines = await row.locator("td").first().evaluate((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
  });
  expect(queueLines).toBe(1);
  await page.screenshot({ path: testInfo.outputPath("dead-letter-payload-390.png") });
});
