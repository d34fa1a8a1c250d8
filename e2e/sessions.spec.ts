import type { Page, Request } from "@playwright/test";
import { expect, shopperEmail, test } from "./fixtures";
import { buyButton, fetchAnswer, gate, ordersInSale, orderStatus, signInByApi, signInInline } from "./shopper";

// One browser, several tabs, one session cookie: every tab shows the shopper the cookie names, and a
// session that ends is said so wherever the shopper is looking.

const header = (page: Page) => page.getByRole("banner");

test("signing out in another tab turns an order page into a sign-in form at once, and the header follows", async ({ page, context, createSale }) => {
  const sale = await createSale({ stock: 3 });
  const me = await signInByApi(page, "order-page");
  await page.goto(`/sales/${sale.id}`);
  await buyButton(page).click();
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  const orderUrl = await orderStatus(page).getByRole("link", { name: "View order" }).getAttribute("href");

  await page.goto(orderUrl!);
  await expect(page.getByTestId("order-status")).toContainText("Confirmed");
  await expect(header(page)).toContainText(me.email);

  const other = await context.newPage();
  await other.goto("/orders");
  await expect(other.getByTestId("order-row")).toHaveCount(1);
  await header(other).getByRole("button", { name: "Sign out" }).click();
  await expect(other.getByLabel(/sign in with your email to see your orders/i)).toBeVisible();

  // The first tab is told at once: its header no longer names the shopper, and the order page asks
  // for a sign-in rather than showing an order (or a dead end without a form).
  await expect(header(page)).not.toContainText(me.email);
  await expect(header(page).getByRole("button", { name: "Sign out" })).toHaveCount(0);
  await expect(page.getByLabel(/sign in with the email you ordered with/i)).toBeVisible();
  await expect(page.getByTestId("order-status")).toHaveCount(0);

  // Signed in again as the same shopper, the order is back.
  await page.getByLabel(/sign in with the email you ordered with/i).fill(me.email);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("order-status")).toContainText("Confirmed");
  await expect(header(page)).toContainText(me.email);
});

test("a cookie that expires while the orders list is open: the list says the sign-in expired and offers the form", async ({ page, context, createSale }) => {
  const sale = await createSale({ stock: 3 });
  await signInByApi(page, "orders-expiry");
  await page.goto(`/sales/${sale.id}`);
  await buyButton(page).click();
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  await page.goto("/orders");
  await expect(page.getByTestId("order-row")).toHaveCount(1);

  // The cookie goes (it expired) with no tab signing out; the shopper comes back to the tab.
  await context.clearCookies();
  await page.evaluate(() => window.dispatchEvent(new Event("visibilitychange")));
  await expect(page.getByLabel(/your sign-in has expired\. sign in again with your email to see your orders/i)).toBeVisible();
  await expect(page.getByTestId("order-row")).toHaveCount(0);
  await expect(header(page).getByRole("button", { name: "Sign out" })).toHaveCount(0);
});

test("another shopper signing in in a second tab: the first tab shows them at once, and its Buy is theirs", async ({ page, context, createSale, db }) => {
  const sale = await createSale({ stock: 5 });
  const first = await signInByApi(page, "first-account");
  await page.goto(`/sales/${sale.id}`);
  await expect(buyButton(page)).toBeEnabled();
  await expect(page.getByTestId("buy-panel")).toContainText(first.email);

  const other = await context.newPage();
  await other.goto(`/sales/${sale.id}`);
  await other.getByTestId("buy-panel").getByRole("button", { name: "Not you?" }).click();
  const second = await signInInline(other, "second-account");
  await expect(other.getByTestId("buy-panel")).toContainText(second);

  // Back in the first tab, before any reload: it names the shopper the cookie now belongs to.
  await page.bringToFront();
  await expect(page.getByTestId("buy-panel")).toContainText(second);
  await expect(page.getByTestId("buy-panel")).not.toContainText(first.email);
  await expect(header(page)).toContainText(second);

  await buyButton(page).click();
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  const orders = await ordersInSale(db, sale.id);
  expect(orders).toHaveLength(1);
  const [owner] = await db`SELECT email FROM users WHERE id = ${orders[0]!.user_id}`;
  expect(owner!.email).toBe(second);
});

test("a signed-out visitor on a sold-out sale is offered a sign-in to see their order, and sees it after", async ({ page, context, createSale }) => {
  const sale = await createSale({ stock: 1 });
  const buyer = await signInByApi(page, "last-unit");
  await page.goto(`/sales/${sale.id}`);
  await buyButton(page).click();
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");

  await context.clearCookies();
  await page.reload();
  await expect(page.getByTestId("sale-closed")).toContainText("Sold out");
  await expect(page.getByTestId("sale-closed")).not.toContainText("Better luck");
  await page.getByLabel(/bought one\? sign in with your email to see your order/i).fill(buyer.email);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  // And a shopper who did not get one, signed in, is told as before.
  await context.clearCookies();
  await signInByApi(page, "too-late");
  await page.reload();
  await expect(page.getByTestId("sale-closed")).toContainText("Better luck at the next drop!");
});

test("signing in and 'Not you?' keep keyboard focus in the Buy panel", async ({ page, createSale }) => {
  const sale = await createSale({ stock: 3 });
  await page.goto(`/sales/${sale.id}`);
  const email = page.getByLabel(/sign in with your email to buy/i);
  await email.fill(shopperEmail("keyboard-sign-in"));
  await email.press("Enter");
  await expect(buyButton(page)).toBeEnabled();
  const inPanel = () => page.evaluate(() => document.activeElement?.closest('[data-testid="buy-panel"]') !== null);
  await expect.poll(inPanel).toBe(true);

  await page.getByTestId("buy-panel").getByRole("button", { name: "Not you?" }).press("Enter");
  await expect(page.getByLabel(/sign in with your email to buy/i)).toBeVisible();
  await expect.poll(inPanel).toBe(true);
});

test("Sign out from the header's keyboard leaves focus in the header, on My orders", async ({ page }) => {
  await signInByApi(page, "keyboard-sign-out");
  await page.goto("/orders");
  const signOut = header(page).getByRole("button", { name: "Sign out" });
  await signOut.focus();
  await signOut.press("Enter");
  await expect(page.getByLabel(/sign in with your email/i)).toBeVisible();
  await expect(header(page).getByRole("link", { name: "My orders" })).toBeFocused();
  // The next Tab goes on into the page, not back to the top.
  await page.keyboard.press("Tab");
  expect(await page.evaluate(() => document.activeElement?.closest("header") === null && document.activeElement !== document.body)).toBe(true);
});

test("a sign-out pressed offline says it did not go through, the shopper still signed in, and goes through once back online", async ({ page, context }) => {
  const me = await signInByApi(page, "offline-sign-out");
  await page.goto("/orders");
  const signOut = header(page).getByRole("button", { name: "Sign out" });
  await expect(signOut).toBeVisible();

  await context.setOffline(true);
  await signOut.click();
  const failed = page.getByTestId("sign-out-failed");
  await expect(failed).toContainText("Not signed out: We couldn't reach the store.");
  await expect(failed).toContainText(`still signed in as ${me.email}`);
  await expect(header(page)).toContainText(me.email);
  // The cookie is still there: the store still knows the shopper.
  await context.setOffline(false);
  expect((await page.request.get("/api/session")).status()).toBe(200);

  // Shown signed out at once; the store has ended the session once the sign-out has been answered.
  const signedOut = page.waitForResponse((response) => response.request().method() === "DELETE" && new URL(response.url()).pathname === "/api/session");
  await signOut.click();
  await expect(page.getByLabel(/sign in with your email/i)).toBeVisible();
  expect((await signedOut).status()).toBe(204);
  await expect(failed).toHaveCount(0);
  expect((await page.request.get("/api/session")).status()).toBe(401);
});

test("a sign-in pressed offline says at once that the store could not be reached, not the address, and signs in once back online", async ({ page, context, createSale }) => {
  const sale = await createSale({ stock: 3 });
  await page.goto(`/sales/${sale.id}`);
  const email = page.getByLabel(/sign in with your email to buy/i);
  const address = shopperEmail("offline-sign-in");
  await email.fill(address);
  await context.setOffline(true);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Told within the expectation's default wait, not held as "Signing in…" until the connection is back.
  await expect(page.getByRole("alert").filter({ hasText: "We couldn't reach the store." })).toBeVisible();
  await expect(email).not.toHaveAttribute("aria-invalid", "true");
  await expect(email).toHaveValue(address);

  await context.setOffline(false);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(buyButton(page)).toBeEnabled();
  await expect(header(page)).toContainText(address);
});

test("a throttled sign-in does not mark the address as invalid", async ({ page, createSale }) => {
  const sale = await createSale({ stock: 3 });
  await page.route("/api/session", (route) =>
    route.request().method() === "POST"
      ? route.fulfill({ status: 429, headers: { "retry-after": "20" }, json: { error: { code: "rate_limited", message: "Too many sign-ins." } } })
      : route.continue(),
  );
  await page.goto(`/sales/${sale.id}`);
  const email = page.getByLabel(/sign in with your email to buy/i);
  await email.fill(shopperEmail("throttled"));
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("sign-in-wait")).toBeVisible();
  await expect(email).not.toHaveAttribute("aria-invalid", "true");

  // An address the store refuses is still marked.
  await page.unroute("/api/session");
  // One the browser's own check lets through (an address without a dotted domain) and the store does not.
  // (Turning the field into a text field would not hold: React sets its type again on every render,
  // and the page renders every second.)
  await email.fill("someone@localhost");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(email).toHaveAttribute("aria-invalid", "true");
});

test("a sign-out stays signed out when the session's check, asked as the tab came to the front, answers after it", async ({ page }) => {
  const me = await signInByApi(page, "late-check");
  await page.goto("/");
  const signOut = header(page).getByRole("button", { name: "Sign out" });
  await expect(signOut).toBeVisible();
  // The tab's check of the session on coming to the front, answered by the server while still signed
  // in, and that answer held on its way back, as from a busy server.
  const held = gate();
  const asked = gate();
  await page.route("**/api/session", async (route) => {
    if (route.request().method() !== "GET") return route.fallback();
    const response = await fetchAnswer(route);
    asked.open();
    await held.opened;
    await route.fulfill({ response }).catch(() => {}); // cancelled by the page meanwhile
  });
  const isCheck = (request: Request) => request.method() === "GET" && new URL(request.url()).pathname === "/api/session";
  const settled = new Promise<void>((resolve) => {
    page.on("requestfinished", (request) => isCheck(request) && resolve());
    page.on("requestfailed", (request) => isCheck(request) && resolve());
  });
  await page.evaluate(() => window.dispatchEvent(new Event("visibilitychange")));
  await asked.opened;
  await signOut.click();
  await expect(header(page).getByText(me.email)).toHaveCount(0);
  held.open();
  await settled;
  // Time for the page to show whatever the late answer brought.
  await page.evaluate(() => new Promise((resolve) => setTimeout(() => requestAnimationFrame(resolve), 200)));
  await expect(header(page).getByText(me.email)).toHaveCount(0);
  await expect(signOut).toHaveCount(0);
});
