import { expect, test } from "./fixtures";
import { buyButton, orderStatus, ordersInSale, signInByApi, watchBuys } from "./shopper";

// The store's busy (503) and rate-limited (429) answers are forced here by answering the first POST
// in the browser; the second goes to the real server. What is under test is the page: it shows the
// countdown from Retry-After, retries by itself with the same Idempotency-Key, and ends confirmed.
for (const { status, code, text } of [
  { status: 503, code: "busy", text: /so many shoppers/i },
  { status: 429, code: "rate_limited", text: /a little too fast/i },
]) {
  test(`a ${status} ${code} answer shows a countdown and retries by itself with the same key`, async ({ page, createSale, db }, testInfo) => {
    const sale = await createSale({ stock: 3 });
    await signInByApi(page, code);
    await page.goto(`/sales/${sale.id}`);
    const buys = watchBuys(page, sale.id);
    let answered = 0;
    await page.route(`**/api/sales/${sale.id}/orders`, async (route) => {
      if (answered++ > 0) return route.continue();
      await route.fulfill({
        status,
        headers: { "retry-after": "3", "cache-control": "no-store" },
        contentType: "application/json",
        body: JSON.stringify({ error: { code, message: "Try again shortly." } }),
      });
    });

    await buyButton(page).click();
    const note = page.getByTestId("retry-note");
    await expect(note).toContainText(text);
    await expect(note).toContainText(/Trying again in [23]s/);
    await expect(buyButton(page)).toHaveText("Waiting to retry…");
    await expect(buyButton(page)).toBeDisabled();
    // The last second is on screen for a second: checked before the screenshot, which on a loaded
    // machine can take longer than that.
    await expect(note).toContainText("Trying again in 1s");
    expect(buys.keys).toHaveLength(1);
    await page.screenshot({ path: testInfo.outputPath(`${code}-countdown.png`), fullPage: true });

    await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
    expect(buys.keys).toHaveLength(2);
    expect(buys.keys[0]).toBeTruthy();
    expect(buys.keys[1]).toBe(buys.keys[0]);
    expect(await ordersInSale(db, sale.id)).toHaveLength(1);
  });
}

test("a network failure says so and offers a retry that keeps the same key", async ({ page, createSale, db }, testInfo) => {
  const sale = await createSale({ stock: 3 });
  await signInByApi(page, "offline");
  await page.goto(`/sales/${sale.id}`);
  const buys = watchBuys(page, sale.id);
  await page.route(`**/api/sales/${sale.id}/orders`, (route) => route.abort("internetdisconnected"));

  await buyButton(page).click();
  const error = page.getByTestId("buy-error");
  await expect(error).toContainText("We couldn't reach the store");
  await expect(page.getByTestId("announcer")).toContainText("We couldn't reach the store");
  await page.screenshot({ path: testInfo.outputPath("network-failure.png"), fullPage: true });
  expect(await ordersInSale(db, sale.id)).toHaveLength(0);

  await page.unroute(`**/api/sales/${sale.id}/orders`);
  await error.getByRole("button", { name: "Try again" }).click();
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  expect(buys.keys).toHaveLength(2);
  expect(buys.keys[1]).toBe(buys.keys[0]);
  expect(await ordersInSale(db, sale.id)).toHaveLength(1);
});

test("a session that expired before Buy brings the sign-in form back, and buying works after", async ({ page, context, createSale }) => {
  const sale = await createSale({ stock: 3 });
  await signInByApi(page, "expired");
  await page.goto(`/sales/${sale.id}`);
  await expect(buyButton(page)).toBeEnabled();
  await context.clearCookies();

  await buyButton(page).click();
  await expect(page.getByLabel(/sign in with your email/i)).toBeVisible();
  await page.getByLabel(/sign in with your email/i).fill(`again-${Date.now()}@example.com`);
  await page.getByRole("button", { name: "Sign in" }).click();
  await buyButton(page).click();
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
});

test("signing in again with the same email after a Buy met an expired session no longer says it expired, and buying works", async ({ page, context, createSale }) => {
  const sale = await createSale({ stock: 3 });
  const { email } = await signInByApi(page, "expired-same");
  await page.goto(`/sales/${sale.id}`);
  await expect(buyButton(page)).toBeEnabled();
  await context.clearCookies();

  await buyButton(page).click();
  const panel = page.getByTestId("buy-panel");
  await expect(panel).toContainText("Your sign-in has expired");
  await page.getByLabel(/sign in with your email/i).fill(email);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(buyButton(page)).toBeEnabled();
  await expect(panel).toContainText(`Signed in as ${email}`);
  await expect(panel).not.toContainText(/sign-in has expired/i);
  await expect(page.getByTestId("announcer")).not.toContainText(/sign-in has expired/i);
  await buyButton(page).click();
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
});
