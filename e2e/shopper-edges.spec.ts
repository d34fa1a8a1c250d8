import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { buyButton, fetchAnswer, ordersInSale, orderStatus, signInByApi, signInInline, watchBuys } from "./shopper";

/** Counts the page's requests for one order (GET /api/orders/:id), from now on. */
function watchOrderPolls(page: Page): { count: number } {
  const seen = { count: 0 };
  page.on("request", (req) => {
    if (req.method() === "GET" && new URL(req.url()).pathname.startsWith("/api/orders/")) seen.count++;
  });
  return seen;
}

/** Where keyboard focus is: on the page body, inside the Buy panel, or somewhere else. */
function focusPlace(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (el === null || el === document.body) return "body";
    if (el.closest('[data-testid="buy-panel"]')) return "buy panel";
    return `elsewhere: <${el.tagName.toLowerCase()}> ${(el.textContent ?? "").trim().slice(0, 40)}`;
  });
}

test("signing out while an order waits in line shows the sign-in form and stops asking for the order", async ({ page, createSale, db }, testInfo) => {
  const sale = await createSale({ stock: 3 });
  const me = await signInByApi(page, "leaver");
  // The shopper's order waits in line (a row without a job, so no worker settles it): the page asks
  // for it about every second for as long as it shows it.
  await db`INSERT INTO orders (id, sale_id, user_id) VALUES (gen_random_uuid(), ${sale.id}, ${me.id})`;
  await page.goto(`/sales/${sale.id}`);
  await expect(orderStatus(page)).toHaveAttribute("data-status", "pending");
  const before = watchOrderPolls(page);
  await expect.poll(() => before.count, { message: "the page asking for the order in line", timeout: 5_000 }).toBeGreaterThan(1);

  const polls = watchOrderPolls(page);
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();

  // The Buy panel offers sign-in, not the last shopper's order (it came back as "You're in line").
  const email = page.getByLabel(/sign in with your email/i);
  await expect(email).toBeVisible();
  await expect(orderStatus(page)).toHaveCount(0);
  await expect(page.getByTestId("buy-panel")).not.toContainText("You're in line");
  await page.screenshot({ path: testInfo.outputPath("signed-out.png"), fullPage: true });

  // Nothing asks for the order any more (in line, it was asked for about every second): none within 3 s.
  const countAtSignOut = polls.count;
  const poll = await page
    .waitForRequest((req) => new URL(req.url()).pathname.startsWith("/api/orders/"), { timeout: 3_000 })
    .then((req) => `${req.method()} ${new URL(req.url()).pathname}`)
    .catch(() => null);
  expect(poll, "a request for the order after sign-out").toBeNull();
  // At most the one already in flight as the shopper pressed Sign out.
  expect(polls.count).toBeLessThanOrEqual(Math.max(countAtSignOut, 1));
  await expect(email).toBeVisible();

  // Another shopper signing in on the same page gets a Buy button of their own, not the first one's order.
  await signInInline(page, "next-shopper");
  await expect(buyButton(page)).toHaveText(/buy now/i);
  await expect(orderStatus(page)).toHaveCount(0);
});

test("Buy while offline says the store can't be reached and offers Try again, which places the order once back online", async ({ page, context, createSale, db }, testInfo) => {
  const sale = await createSale({ stock: 3 });
  await signInByApi(page, "offline-browser");
  await page.goto(`/sales/${sale.id}`);
  await expect(buyButton(page)).toBeEnabled();
  const buys = watchBuys(page, sale.id);

  await context.setOffline(true);
  await buyButton(page).click();
  // The app's own network-failure message and a Try again, not "Placing…" for as long as the browser is offline.
  const error = page.getByTestId("buy-error");
  await expect(error).toContainText("We couldn't reach the store. Check your connection and try again.");
  await expect(error.getByRole("button", { name: "Try again" })).toBeVisible();
  await expect(buyButton(page)).toBeEnabled();
  await expect(buyButton(page)).not.toHaveText("Placing…");
  await expect(page.getByTestId("announcer")).toContainText("We couldn't reach the store");
  await page.screenshot({ path: testInfo.outputPath("offline.png"), fullPage: true });
  expect(await ordersInSale(db, sale.id)).toHaveLength(0);

  await context.setOffline(false);
  await error.getByRole("button", { name: "Try again" }).click();
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  await expect(orderStatus(page)).toContainText("Confirmed");
  expect(await ordersInSale(db, sale.id)).toHaveLength(1);
  // Any attempt that left the browser carried the page's one Idempotency-Key.
  expect(new Set(buys.keys).size).toBe(1);
});

test("Buy pressed from the keyboard keeps focus in the Buy panel once the order card replaces the button", async ({ page, createSale }) => {
  const sale = await createSale({ stock: 3 });
  await signInByApi(page, "keyboard");
  await page.goto(`/sales/${sale.id}`);
  await expect(buyButton(page)).toBeEnabled();

  await buyButton(page).focus();
  await expect(buyButton(page)).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  await expect(buyButton(page)).toHaveCount(0);

  // Not the page body: a keyboard shopper carries on from where they were.
  await expect.poll(() => focusPlace(page)).toBe("buy panel");
  // The next Tab reaches the order card's link, not the top of the page.
  await page.keyboard.press("Tab");
  await expect(orderStatus(page).getByRole("link", { name: "View order" })).toBeFocused();
});

for (const address of ["/sales/%zz", "/%E0%A4%A"]) {
  test(`an address with a malformed percent-escape (${address}) shows a 400 page with a way back to the sales`, async ({ page }, testInfo) => {
    const res = await page.goto(address);
    expect(res?.status()).toBe(400);
    await expect(page).toHaveTitle("Not a valid address · Flash sale");
    await expect(page.getByRole("heading", { name: "This address is not valid" })).toBeVisible();
    const back = page.getByRole("link", { name: "See the sales" });
    await expect(back).toHaveAttribute("href", "/");
    await page.screenshot({ path: testInfo.outputPath("bad-address.png"), fullPage: true });

    await back.click();
    await expect(page).toHaveURL("/");
  });
}

test("an order page whose refreshes fail keeps the order on screen with a note, and carries on once the store answers", async ({ page, createSale }) => {
  const sale = await createSale({ stock: 3 });
  await signInByApi(page, "stale-order");
  await page.goto(`/sales/${sale.id}`);
  // The order stays in line (as the page sees it) until the store stops answering, then comes back.
  let phase: "in line" | "failing" | "back" = "in line";
  await page.route(
    (url) => url.pathname.startsWith("/api/orders/"),
    async (route) => {
      if (route.request().method() !== "GET" || phase === "back") return route.continue();
      if (phase === "failing") return route.fulfill({ status: 503, headers: { "retry-after": "2" }, json: { error: { code: "unavailable", message: "Briefly unavailable." } } });
      const real = await fetchAnswer(route);
      const { order } = await real.json();
      await route.fulfill({ response: real, json: { order: { ...order, status: "pending", failureReason: null, position: 1 } } });
    },
  );
  await buyButton(page).click();
  const link = orderStatus(page).getByRole("link", { name: "View order" });
  await page.goto((await link.getAttribute("href"))!);
  await expect(page.getByTestId("position")).toHaveText("1 order ahead of you");

  phase = "failing";
  // After the query's own retries the failure is shown beside the card, not instead of it.
  await expect(page.getByTestId("order-stale")).toContainText("briefly unavailable", { timeout: 20_000 });
  await expect(page.getByTestId("position")).toHaveText("1 order ahead of you");

  phase = "back";
  await expect(orderStatus(page)).toContainText("Confirmed", { timeout: 10_000 });
  await expect(page.getByTestId("order-stale")).toHaveCount(0);
});

test("an order page opened while the store is briefly unavailable says so, keeps asking, and shows the order by itself once the store answers", async ({ page, createSale }) => {
  const sale = await createSale({ stock: 3 });
  await signInByApi(page, "order-unavailable");
  const buy = await page.request.post(`/api/sales/${sale.id}/orders`);
  expect(buy.status()).toBe(202);
  const { order } = await buy.json();
  let isFailing = true;
  await page.route(`**/api/orders/${order.id}`, (route) =>
    isFailing ? route.fulfill({ status: 503, headers: { "retry-after": "2" }, json: { error: { code: "unavailable", message: "Briefly unavailable." } } }) : route.continue(),
  );
  const polls = watchOrderPolls(page);
  await page.goto(`/orders/${order.id}`);
  const error = page.getByTestId("order-error");
  await expect(error).toContainText("briefly unavailable", { timeout: 20_000 });

  // The page asks again by itself (no reload, no focus change), and the message stays meanwhile.
  const asked = polls.count;
  await expect.poll(() => polls.count, { timeout: 15_000 }).toBeGreaterThan(asked);
  await page.waitForTimeout(500);
  await expect(error).toContainText("briefly unavailable");

  isFailing = false;
  await expect(orderStatus(page)).toBeVisible({ timeout: 15_000 });
  await expect(error).toHaveCount(0);
});

/** GETs of the shopper's order list (`/api/orders`, with or without `?saleId=`) answered 503 while `failing.now`. */
async function failOrderLists(page: Page): Promise<{ now: boolean; asked: number }> {
  const failing = { now: true, asked: 0 };
  await page.route(
    (url) => url.pathname === "/api/orders",
    (route) => {
      if (route.request().method() !== "GET") return route.continue();
      failing.asked++;
      return failing.now ? route.fulfill({ status: 503, headers: { "retry-after": "2" }, json: { error: { code: "unavailable", message: "Briefly unavailable." } } }) : route.continue();
    },
  );
  return failing;
}

test("My orders opened while the store is briefly unavailable says so, keeps asking, and shows the orders by itself once the store answers", async ({ page, createSale }) => {
  const sale = await createSale({ stock: 3 });
  await signInByApi(page, "orders-unavailable");
  expect((await page.request.post(`/api/sales/${sale.id}/orders`)).status()).toBe(202);
  const failing = await failOrderLists(page);
  await page.goto("/orders");
  // After the query's own retries (about 7 s) the failure is told, and the page goes on asking.
  const error = page.getByRole("alert").filter({ hasText: "briefly unavailable" });
  await expect(error).toBeVisible({ timeout: 20_000 });
  const asked = failing.asked;
  await expect.poll(() => failing.asked, { timeout: 15_000 }).toBeGreaterThan(asked);
  await expect(error).toContainText("Trying again automatically.");

  failing.now = false;
  await expect(page.getByTestId("order-row")).toHaveCount(1, { timeout: 15_000 });
  await expect(error).toHaveCount(0);
});

/** The shopper comes back to the tab: TanStack Query refreshes the stale queries on screen (its focus manager listens for this event). */
async function comeBackToTab(page: Page): Promise<void> {
  await page.evaluate(() => window.dispatchEvent(new Event("visibilitychange")));
}

for (const hasOrder of [true, false]) {
  test(`My orders whose refresh fails keeps ${hasOrder ? "the list" : "'No orders yet'"} on screen with a note, and drops the note once the store answers`, async ({ page, createSale }) => {
    await signInByApi(page, hasOrder ? "orders-refresh-fails" : "no-orders-refresh-fails");
    if (hasOrder) {
      const sale = await createSale({ stock: 3 });
      expect((await page.request.post(`/api/sales/${sale.id}/orders`)).status()).toBe(202);
    }
    await page.goto("/orders");
    const shown = hasOrder ? page.getByTestId("order-row") : page.getByText("No orders yet.");
    await expect(shown).toBeVisible();

    const failing = await failOrderLists(page);
    await expect.poll(async () => (await comeBackToTab(page), failing.asked), { timeout: 10_000 }).toBeGreaterThan(0);
    // Once the query's own retries are spent (about 7 s), the list stays, with a note above it.
    const note = page.getByTestId("orders-stale");
    await expect(note).toHaveText("The store is briefly unavailable and will be back in a moment. These are your orders as we last saw them.", { timeout: 20_000 });
    await expect(shown).toBeVisible();
    // The page asks again by itself, and the note goes once the store answers.
    const asked = failing.asked;
    await expect.poll(() => failing.asked, { timeout: 15_000 }).toBeGreaterThan(asked);
    failing.now = false;
    await expect(note).toHaveCount(0, { timeout: 15_000 });
    await expect(shown).toBeVisible();
  });
}

test("a sold-out sale's page opened while the store cannot say whether the shopper bought there does not tell them 'Better luck', and shows their order once it can", async ({ page, createSale, db }) => {
  const sale = await createSale({ stock: 1 });
  await signInByApi(page, "my-order-unavailable");
  expect((await page.request.post(`/api/sales/${sale.id}/orders`)).status()).toBe(202);
  await expect.poll(async () => (await ordersInSale(db, sale.id)).map((o) => o.status)).toEqual(["completed"]);
  const failing = await failOrderLists(page);
  await page.goto(`/sales/${sale.id}`);
  const error = page.getByTestId("my-order-error");
  await expect(error).toContainText("We couldn't check for your order in this sale; trying again automatically.", { timeout: 20_000 });
  await expect(page.getByTestId("sale-closed")).toHaveCount(0);
  // It asks again, and the message stays on screen meanwhile (not a placeholder between attempts).
  const asked = failing.asked;
  await expect.poll(() => failing.asked, { timeout: 15_000 }).toBeGreaterThan(asked);
  await page.waitForTimeout(500);
  // At once, not waited for: the attempt takes seconds, and a placeholder meanwhile would give way again.
  await expect(error).toBeVisible({ timeout: 100 });

  failing.now = false;
  await expect(orderStatus(page)).toContainText("Confirmed", { timeout: 15_000 });
  await expect(error).toHaveCount(0);
  await expect(page.getByText("Better luck")).toHaveCount(0);
});

test("an open sale's page whose look-up of the shopper's own order fails keeps Buy on screen through each new attempt, and Buy places the order", async ({ page, createSale }) => {
  const sale = await createSale({ stock: 3 });
  await signInByApi(page, "my-order-live-unavailable");
  const failing = await failOrderLists(page);
  await page.goto(`/sales/${sale.id}`);
  await expect(buyButton(page)).toBeEnabled({ timeout: 20_000 });
  // Past the look-up's own retries, and through its next attempt: Buy stays.
  await expect.poll(() => failing.asked, { timeout: 20_000 }).toBeGreaterThan(4);
  await page.waitForTimeout(500);
  await expect(buyButton(page)).toBeEnabled({ timeout: 100 });
  await buyButton(page).click();
  await expect(orderStatus(page)).toContainText("Confirmed");
  failing.now = false;
});

test("an address the shop has no page for is a 404 page of the shop's own, with the way back to the sales", async ({ page }) => {
  for (const path of ["/no-such-page", "/sales", "/orders/not/a/page"]) {
    const answer = await page.goto(path);
    expect(answer?.status(), path).toBe(404);
    await expect(page.getByRole("heading", { level: 1 }), path).toHaveText("There's no page here");
    // The shop's header stays, so the shopper is still in the shop.
    await expect(page.getByRole("link", { name: /flash sale/i }).first(), path).toBeVisible();
  }
  await page.getByRole("link", { name: "See all sales" }).click();
  await expect(page).toHaveURL(/\/$/);
});

test("a sale's name in Hebrew runs right to left on its card, its page and the order's, and its description keeps the lines the admin typed", async ({ page, createSale }) => {
  const tag = Date.now().toString(36);
  const sale = await createSale({ name: `שעון יד חכם ${tag}`, description: "First line\nSecond line\n\n- one\n- two" });
  const direction = (locator: ReturnType<Page["locator"]>) => locator.evaluate((el) => getComputedStyle(el).direction);
  await page.goto("/");
  await expect.poll(() => direction(page.getByTestId("sale-card").filter({ hasText: tag }).getByRole("heading"))).toBe("rtl");

  await page.goto(`/sales/${sale.id}`);
  await expect.poll(() => direction(page.getByRole("heading", { level: 1 }))).toBe("rtl");
  const description = page.getByText("First line");
  await expect(description).toHaveJSProperty("innerText", "First line\nSecond line\n\n- one\n- two");
  // A description that starts in English stays left to right.
  expect(await direction(description)).toBe("ltr");

  await signInInline(page, "hebrew");
  await buyButton(page).click();
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  await page.getByRole("link", { name: "My orders" }).click();
  await expect.poll(() => direction(page.getByTestId("order-row").filter({ hasText: tag }).locator("p").first())).toBe("rtl");
  await page.getByTestId("order-row").filter({ hasText: tag }).click();
  await expect.poll(() => direction(page.getByRole("link", { name: sale.name }))).toBe("rtl");
});
