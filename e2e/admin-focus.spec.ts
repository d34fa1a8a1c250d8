import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { completedOrders, gate, openAdmin, openAdminSale, openNewDeadLetter } from "./shopper";

// Where a keyboard user's focus goes on the admin's pages when the control they pressed goes away: an
// order row's Ship or Cancel, a dead letter's Discard, End now; and where it starts on the sign-in page.

/** Focus is somewhere on the page, not dropped to <body>. */
async function expectFocusKept(page: Page) {
  await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).not.toBe("BODY");
}

test.describe("keyboard focus after an action", () => {
  test("Ship and a confirmed Cancel leave focus on the row's status; under a status filter, on the table; End now on the heading", async ({ page, createSale, baseURL, db }) => {
    const sale = await createSale({ stock: 5 });
    const [shipped, cancelled, filtered] = await completedOrders(baseURL, db, sale.id, 3, "focus-after");
    await openAdminSale(page, sale.id);
    const rowOf = (id: string) => page.locator(`[data-testid="order-row"][data-order-id="${id}"]`);

    // Ship does not ask: its buttons go at once, focus stays on the row and follows its status.
    await rowOf(shipped!).getByRole("button", { name: "Ship" }).focus();
    await page.keyboard.press("Enter");
    await expectFocusKept(page);
    const shippedStatus = rowOf(shipped!).getByTestId("order-status-cell");
    await expect(shippedStatus).toBeFocused();
    await expect(shippedStatus).toHaveText("shipped");
    await expect(shippedStatus).toBeFocused();

    // Cancel asks; Enter on Yes.
    await rowOf(cancelled!).getByRole("button", { name: "Cancel" }).focus();
    await page.keyboard.press("Enter");
    await expect(rowOf(cancelled!).getByRole("button", { name: "Yes, cancel the order" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expectFocusKept(page);
    const cancelledStatus = rowOf(cancelled!).getByTestId("order-status-cell");
    await expect(cancelledStatus).toBeFocused();
    await expect(cancelledStatus).toHaveText("cancelled");
    await expect(cancelledStatus).toBeFocused();

    // Under "completed", a cancelled row leaves the table: focus goes to the table, which stays.
    await page.getByRole("combobox", { name: "Status", exact: true }).selectOption("completed");
    await expect(page.getByTestId("order-row")).toHaveCount(1);
    await rowOf(filtered!).getByRole("button", { name: "Cancel" }).focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    const table = page.getByRole("region", { name: "Orders table" });
    await expect(table).toBeFocused();
    await expect(page.getByTestId("order-row")).toHaveCount(0);
    await expect(table).toBeFocused();

    // End now refused by the server (held, then a 500): focus stays on the question's Yes, under the
    // message, rather than dropping to the page while the request runs or after it fails.
    const held = gate();
    await page.route(`**/api/admin/sales/${sale.id}/end`, async (route) => {
      await held.opened;
      await route.fulfill({ status: 500, contentType: "application/json", body: JSON.stringify({ error: { code: "internal_error", message: "Something went wrong on our side." } }) });
    });
    await page.getByRole("button", { name: "End now" }).focus();
    await page.keyboard.press("Enter");
    const yes = page.getByRole("button", { name: "Yes, end the sale now" });
    await page.keyboard.press("Enter");
    await expect(yes).toHaveAttribute("aria-disabled", "true");
    await expect(yes).toBeFocused();
    held.open();
    await expect(page.getByRole("alert").filter({ hasText: "Something went wrong" })).toBeVisible();
    await expect(yes).toBeFocused();
    await page.unroute(`**/api/admin/sales/${sale.id}/end`);
    await page.keyboard.press("Escape");

    // End now's button goes with the sale: focus lands on the heading, which says it ended.
    await page.getByRole("button", { name: "End now" }).focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    await expect(page.getByRole("heading", { level: 1 })).toContainText("ended");
    await expect(page.getByRole("heading", { level: 1 })).toBeFocused();
  });

  test("a shipped row pushed off the page by newer orders hands focus to the table", async ({ page, createSale, baseURL, db }) => {
    const sale = await createSale({ stock: 30 });
    const [shipped] = await completedOrders(baseURL, db, sale.id, 1, "pushed-off");
    await openAdminSale(page, sale.id);
    const row = page.locator(`[data-testid="order-row"][data-order-id="${shipped}"]`);
    await row.getByRole("button", { name: "Ship" }).focus();
    await page.keyboard.press("Enter");
    await expect(row.getByTestId("order-status-cell")).toBeFocused();
    // 20 newer orders (the page shows the newest 20), bought and allocated like any: nothing is left
    // pending in the shared database, whose backlog other tests' bounds count.
    await completedOrders(baseURL, db, sale.id, 20, "pushed-newer");
    await expect(row).toHaveCount(0, { timeout: 15_000 });
    await expect(page.getByRole("region", { name: "Orders table" })).toBeFocused();
  });

  test("Discard confirmed by keyboard leaves focus on the dead letters' count", async ({ page }) => {
    test.setTimeout(90_000);
    await openAdmin(page);
    const { row } = await openNewDeadLetter(page, "beef");

    await row.getByRole("button", { name: "Discard" }).focus();
    await page.keyboard.press("Enter");
    await expect(row.getByRole("button", { name: "Yes, discard it" })).toBeFocused();
    await page.keyboard.press("Enter");
    await expect(row).toHaveCount(0);
    await expectFocusKept(page);
    await expect(page.getByTestId("dead-letter-summary")).toBeFocused();
  });
});

test("the sign-in page opens with focus in the password field, after a sign-out too", async ({ page }) => {
  await page.goto("/admin/login");
  const password = page.getByLabel("Password", { exact: true });
  await expect(password).toBeFocused();
  await password.fill(process.env.E2E_ADMIN_PASSWORD!);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/admin$/);
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/login/);
  await expect(password).toBeFocused();
});
