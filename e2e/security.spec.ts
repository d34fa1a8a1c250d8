import http from "node:http";
import type { AddressInfo } from "node:net";
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
  // Another site: a page served from another origin (a port of its own) that frames the sale page, and,
  // as a control, a page of its own that sends no framing headers, which must show.
  const site = http.createServer((req, res) => {
    res.setHeader("content-type", "text/html");
    if (req.url === "/plain") return res.end("<h1>A page that may be framed</h1>");
    res.end(`<iframe id="app" src="${baseURL}/sales/${sale.id}"></iframe><iframe id="plain" src="/plain"></iframe>`);
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  try {
    await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
    await expect(page.frameLocator("#plain").getByRole("heading", { name: "A page that may be framed" })).toBeVisible();
    // The browser refuses to render the app inside the frame: it shows its own error page instead.
    const appFrame = async () => (await page.locator("#app").elementHandle())?.contentFrame();
    await expect.poll(async () => (await appFrame())?.url(), { timeout: 10_000 }).toMatch(/^chrome-error:/);
    expect(await (await appFrame())!.getByRole("heading", { name: sale.name }).count()).toBe(0);
  } finally {
    site.closeAllConnections();
    await new Promise((resolve) => site.close(resolve));
  }
});
