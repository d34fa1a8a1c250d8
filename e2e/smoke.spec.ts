import { expect, shopperEmail, test } from "./fixtures";

test("a shopper signs in on the sale page, buys, and sees the order confirmed", async ({ page, createSale }, testInfo) => {
  const sale = await createSale({ stock: 5 });
  await page.goto(`/sales/${sale.id}`);
  await expect(page.getByRole("heading", { name: sale.name })).toBeVisible();

  await page.getByLabel(/email/i).fill(shopperEmail("smoke"));
  await page.getByRole("button", { name: /sign in/i }).click();
  await page.getByRole("button", { name: /buy/i }).click();

  const status = page.getByTestId("order-status");
  await expect(status).toHaveAttribute("data-status", "completed");
  await expect(status).toContainText(/confirmed/i);
  await page.screenshot({ path: testInfo.outputPath("confirmed.png"), fullPage: true });
});
