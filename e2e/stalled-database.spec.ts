import { lockSalesTable, lockTable } from "../db/testing/held-work";
import { expect, test } from "./fixtures";
import { expectCouldNotLoad, openAdmin } from "./shopper";

// Pages whose server-side read gets no answer from the database, as while an operator's migration holds
// a table: the shop's and the admin's error view at the request deadline, and Try again once it answers.
// Exclusive (playwright.config.ts): while a table is held, every other test's requests would wait on it.

test("a page whose database read gets no answer shows 'couldn't be loaded' after 8 s, and Try again loads it once the database answers", async ({ page, createSale }) => {
  test.setTimeout(60_000);
  const sale = await createSale({ stock: 3 });
  // An operator's migration holds the sales table: the home page's list waits on it.
  const lock = await lockSalesTable(process.env.E2E_DATABASE_URL!);
  try {
    // The list's per-process cache may hold a copy read in the last second: let it age out.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await expectCouldNotLoad(page, "/");
  } finally {
    await lock.release();
  }
  await page.getByRole("button", { name: "Try again" }).click();
  await expect(page.getByTestId("sale-card").filter({ hasText: sale.name })).toBeVisible({ timeout: 15_000 });
});

test("an admin page whose session check gets no answer from the database shows 'couldn't be loaded' after 8 s, and loads on Try again", async ({ page }) => {
  test.setTimeout(60_000);
  await openAdmin(page);
  // An operator's migration holds the admin sessions' table: the page's check of the session waits on it.
  const lock = await lockTable(process.env.E2E_DATABASE_URL!, "admin_sessions");
  try {
    await expectCouldNotLoad(page, "/admin/dead-letters");
  } finally {
    await lock.release();
  }
  await page.getByRole("button", { name: "Try again" }).click();
  await expect(page.getByRole("heading", { name: /dead letters/i })).toBeVisible({ timeout: 15_000 });
});
