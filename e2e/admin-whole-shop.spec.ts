import { randomUUID } from "node:crypto";
import { expect, test } from "./fixtures";
import { openAdmin, signInAsAdmin } from "./shopper";

// What the admin does to, or sees of, the whole shop rather than one sale: Sign out everywhere ends every
// admin's session, and the sales list pages through every sale there is. Exclusive (playwright.config.ts):
// other tests' admins would be signed out, and their sales would move the pages.

test("Sign out everywhere asks first, then signs out every admin's browser", async ({ page, browser, baseURL }) => {
  await openAdmin(page);
  // The admin is also signed in on another device.
  const other = await browser.newContext({ baseURL });
  try {
    const elsewhere = await other.newPage();
    await openAdmin(elsewhere);

    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await expect(page.getByText("Sign out every admin, on every device?")).toBeVisible();
    await expect(page.getByRole("button", { name: "Yes, sign out everywhere" })).toBeFocused();
    await page.getByRole("button", { name: "Keep" }).click();
    await expect(page.getByRole("button", { name: "Sign out everywhere" })).toBeFocused();
    expect((await elsewhere.request.get("/api/admin/sales")).status()).toBe(200);

    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.getByRole("button", { name: "Yes, sign out everywhere" }).click();
    await expect(page).toHaveURL(/\/admin\/login/);
    await elsewhere.reload();
    await expect(elsewhere).toHaveURL(/\/admin\/login\?next=/);
  } finally {
    await other.close();
  }
});

test("the sales list comes in pages: Older sales walks back to the first sale ever, Newest sales returns", async ({ page, db }) => {
  // 101 sales that ran in 2001, oldest start last in the list: with everything else in this database,
  // more than one page. Removed afterwards (they took no orders), so other tests see the shop as it was.
  await db`
    INSERT INTO sales (name, price_cents, original_price_cents, stock, remaining, starts_at, ends_at)
    SELECT 'Archive ' || lpad(g::text, 3, '0'), 1000, 2000, 5, 5, '2001-01-01T00:00:00Z'::timestamptz + g * interval '1 hour',
      '2001-01-01T00:30:00Z'::timestamptz + g * interval '1 hour'
    FROM generate_series(1, 101) AS g`;
  try {
    await page.goto("/admin");
    await signInAsAdmin(page);
    const pages = page.getByRole("navigation", { name: "Pages of sales" });
    await expect(pages.getByRole("link", { name: "← Newest sales" })).toHaveCount(0);
    const oldest = page.getByTestId("admin-sale-row").filter({ hasText: "Archive 001" });
    for (let turns = 0; turns < 10 && !(await oldest.isVisible()); turns++) {
      const before = await page.getByTestId("admin-sale-row").first().textContent();
      await pages.getByRole("link", { name: "Older sales →" }).click();
      await expect(page).toHaveURL(/\/admin\?before=[0-9a-f-]{36}$/);
      await expect(page.getByTestId("admin-sale-row").first()).not.toHaveText(before!);
    }
    await expect(oldest).toBeVisible();
    // The last page: nothing older, a way back.
    await expect(pages.getByRole("link", { name: "Older sales →" })).toHaveCount(0);
    await pages.getByRole("link", { name: "← Newest sales" }).click();
    await expect(page).toHaveURL(/\/admin$/);
    await expect(page.getByTestId("admin-sale-row")).toHaveCount(100);
    await expect(oldest).toHaveCount(0);
    // An address whose cursor names no sale (mistyped, or another shop's) or is no id: the newest page, at its own address.
    for (const cursor of [randomUUID(), "latest"]) {
      await page.goto(`/admin?before=${cursor}`);
      await expect(page).toHaveURL(/\/admin$/);
      await expect(page.getByTestId("admin-sale-row")).toHaveCount(100);
      await expect(pages.getByRole("link", { name: "Older sales →" })).toBeVisible();
    }
  } finally {
    await db`DELETE FROM sales WHERE name LIKE 'Archive %' AND starts_at < '2002-01-01'`;
  }
});
