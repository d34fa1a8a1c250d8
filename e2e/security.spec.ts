import { expect, shopperEmail, test } from "./fixtures";

// The Content-Security-Policy is strict enough to matter and loose enough for the app: pages load,
// hydrate and buy with no violation, and another site cannot frame them.

test("the sale page works under the Content-Security-Policy, with no violation", async ({ page, createSale }) => {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (/content security policy/i.test(msg.text())) violations.push(msg.text());
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  const sale = await createSale({ stock: 3 });
  const res = await page.goto(`/sales/${sale.id}`);
  expect(res?.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");
  await page.getByLabel(/email/i).fill(shopperEmail("csp"));
  await page.getByRole("button", { name: /sign in/i }).click();
  await page.getByRole("button", { name: /buy/i }).click();
  await expect(page.getByTestId("order-status")).toHaveAttribute("data-status", "completed");
  for (const path of ["/", "/orders"]) {
    await page.goto(path);
    await page.waitForLoadState("networkidle");
  }
  expect(violations).toEqual([]);
});

test("another site cannot show the app in a frame", async ({ page, baseURL, createSale }) => {
  const sale = await createSale();
  // A page on another origin (a data: URL) that frames the sale page.
  await page.goto(`data:text/html,<iframe src="${baseURL}/sales/${sale.id}"></iframe>`);
  await page.locator("iframe").waitFor();
  // The browser refuses to render the app inside the frame: it shows its own error page instead.
  await expect.poll(() => page.frames()[1]?.url(), { timeout: 10_000 }).toMatch(/^chrome-error:/);
  expect(await page.frames()[1]!.getByRole("heading", { name: sale.name }).count()).toBe(0);
});
