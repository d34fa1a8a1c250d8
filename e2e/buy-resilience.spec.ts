import { request as playwrightRequest, type Page, type Route } from "@playwright/test";
import { expect, shopperEmail, test } from "./fixtures";
import { buyButton, fetchAnswer, gate, isSamePage, markPage, ordersInSale, orderStatus, signInByApi, signInInline, watchBuys } from "./shopper";

// What a shopper meets when things are not ideal: a page served over plain HTTP, a store that asks to
// wait, a sign-out or a page change in the middle of that wait, units that come back after a sell-out,
// and a screen reader listening to the Buy panel. Store answers that are hard to provoke for real (a
// 503 while the database restarts, a 410 from the admission gate, an order held in line) are given by
// Playwright in the browser for one request; everything else goes to the real server.

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Answers one request with the contract's JSON error. */
function fulfilError(route: Route, status: number, code: string, retryAfter?: number) {
  return route.fulfill({
    status,
    headers: { "cache-control": "no-store", ...(retryAfter ? { "retry-after": String(retryAfter) } : {}) },
    contentType: "application/json",
    body: JSON.stringify({ error: { code, message: "SERVER TEXT" } }),
  });
}

/** Answers the first `count` Buy POSTs of the page with `status`/`code`; later ones reach the server. */
async function failFirstBuys(page: Page, saleId: string, count: number, status: number, code: string, retryAfter?: number) {
  let answered = 0;
  await page.route(`**/api/sales/${saleId}/orders`, (route) => (answered++ < count ? fulfilError(route, status, code, retryAfter) : route.continue()));
}

/** Whether a Buy POST for the sale goes out within `ms`: the request's URL, or null. */
function nextBuyWithin(page: Page, saleId: string, ms: number): Promise<string | null> {
  return page
    .waitForRequest((req) => req.method() === "POST" && new URL(req.url()).pathname === `/api/sales/${saleId}/orders`, { timeout: ms })
    .then((req) => req.url())
    .catch(() => null);
}

/** Records every text the Buy panel's live region takes from now on (consecutive repeats once). */
/**
 * A signed-in shopper on the sale's page whose Buy was answered 503 busy with `Retry-After: seconds`:
 * the page shows its retry note (matching `note`) and waits. The Buy POSTs the page sends are watched.
 */
async function waitingToRetry(page: Page, saleId: string, shopper: string, seconds: number, note: RegExp) {
  await signInByApi(page, shopper);
  await page.goto(`/sales/${saleId}`);
  const buys = watchBuys(page, saleId);
  await failFirstBuys(page, saleId, 1, 503, "busy", seconds);
  await buyButton(page).click();
  await expect(page.getByTestId("retry-note")).toContainText(note);
  return buys;
}

async function listenToAnnouncer(page: Page) {
  await page.evaluate(() => {
    const el = document.querySelector('[data-testid="announcer"]')!;
    const said = [el.textContent ?? ""];
    (window as unknown as { said: string[] }).said = said;
    new MutationObserver(() => {
      const text = el.textContent ?? "";
      if (text !== said.at(-1)) said.push(text);
    }).observe(el, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => (window as unknown as { said: string[] }).said);
}

test("on a page served over plain HTTP (no crypto.randomUUID) the shopper signs in, buys, and the Buy carries a key", async ({ page, createSale, db }) => {
  // Browsers give randomUUID only to secure contexts; a HOST=0.0.0.0 page opened from another machine has none.
  await page.addInitScript(() => {
    delete (Crypto.prototype as { randomUUID?: unknown }).randomUUID;
  });
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  const sale = await createSale({ stock: 3 });
  await page.goto(`/sales/${sale.id}`);
  expect(await page.evaluate(() => typeof crypto.randomUUID)).toBe("undefined");
  const buys = watchBuys(page, sale.id);

  await signInInline(page, "plain-http");
  await buyButton(page).click();
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  await expect(orderStatus(page)).toContainText("Confirmed");
  expect(buys.keys).toHaveLength(1);
  expect(buys.keys[0]).toMatch(uuidV4);
  expect(errors).toEqual([]);
  expect(await ordersInSale(db, sale.id)).toHaveLength(1);
});

test("signing out while a busy Buy waits to retry sends nothing more, and the next shopper has no order", async ({ page, createSale, db }) => {
  const sale = await createSale({ stock: 3 });
  // A wait long enough for the sign-out and the next sign-in to happen well inside it on a loaded machine.
  const buys = await waitingToRetry(page, sale.id, "leaves-mid-retry", 8, /Trying again in [5-8]s/);
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByLabel(/sign in with your email/i)).toBeVisible();
  await signInInline(page, "next-on-device");
  await expect(buyButton(page)).toHaveText(/buy now/i);

  // The retry was due 8 s after the busy answer, well inside the next 10 s: nothing goes out, for anyone.
  expect(await nextBuyWithin(page, sale.id, 10_000)).toBeNull();
  expect(buys.keys).toHaveLength(1);
  await expect(orderStatus(page)).toHaveCount(0);
  await expect(page.getByTestId("buy-panel")).not.toContainText(/expired|busy|so many shoppers/i);
  const mine = await page.request.get(`/api/orders?saleId=${sale.id}`);
  expect((await mine.json()).orders).toEqual([]);
  expect(await ordersInSale(db, sale.id)).toHaveLength(0);
});

test("a sign-out still on its way to the server already stops the waiting retry", async ({ page, createSale, db }) => {
  const sale = await createSale({ stock: 3 });
  // The sign-out's request held on its way until the retry has fallen due (5 s after the busy answer).
  const delivered = gate();
  await page.route("**/api/session", async (route) => {
    if (route.request().method() === "DELETE") await delivered.opened;
    await route.continue();
  });
  const buys = await waitingToRetry(page, sale.id, "slow-sign-out", 5, /Trying again in [3-5]s/);
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByLabel(/sign in with your email/i)).toBeVisible();
  expect(await nextBuyWithin(page, sale.id, 7_000)).toBeNull();
  const signedOut = page.waitForResponse((response) => response.request().method() === "DELETE" && new URL(response.url()).pathname === "/api/session");
  delivered.open();
  expect((await signedOut).ok()).toBe(true);
  expect(buys.keys).toHaveLength(1);
  expect(await ordersInSale(db, sale.id)).toHaveLength(0);
});

test("leaving the sale page while a busy Buy waits to retry sends nothing more", async ({ page, createSale, db }) => {
  const sale = await createSale({ stock: 3 });
  const buys = await waitingToRetry(page, sale.id, "navigates-away", 8, /Trying again in [5-8]s/);
  await page.getByRole("link", { name: "Flash sale" }).click();
  await expect(page).toHaveURL(/\/$/);

  // The retry was due 8 s after the busy answer, inside the next 10 s.
  expect(await nextBuyWithin(page, sale.id, 10_000)).toBeNull();
  expect(buys.keys).toHaveLength(1);
  expect(await ordersInSale(db, sale.id)).toHaveLength(0);
});

test("a 503 while the database restarts shows the retry countdown, then the order is accepted with the same key", async ({ page, createSale, db }) => {
  const sale = await createSale({ stock: 3 });
  await signInByApi(page, "db-restart");
  await page.goto(`/sales/${sale.id}`);
  const buys = watchBuys(page, sale.id);
  await failFirstBuys(page, sale.id, 1, 503, "unavailable", 5);

  await buyButton(page).click();
  const note = page.getByTestId("retry-note");
  await expect(note).toContainText(/briefly unavailable/);
  await expect(note).toContainText(/Trying again in [2-5]s/);
  await expect(note).not.toContainText("SERVER TEXT");
  await expect(buyButton(page)).toHaveText("Waiting to retry…");

  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  expect(buys.keys).toHaveLength(2);
  expect(buys.keys[1]).toBe(buys.keys[0]);
  expect(await ordersInSale(db, sale.id)).toHaveLength(1);
});

test("a throttled sign-in says how long to wait, counts it down, and works after", async ({ page, createSale }) => {
  const sale = await createSale({ stock: 3 });
  let answered = 0;
  await page.route("**/api/session", (route) =>
    route.request().method() === "POST" && answered++ === 0 ? fulfilError(route, 429, "rate_limited", 3) : route.continue(),
  );
  await page.goto(`/sales/${sale.id}`);
  // Every text the wait takes, recorded in the page: a check from here could step over a one-second state.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { waitTexts: string[] }).waitTexts = seen;
    const record = () => {
      const text = document.querySelector('[data-testid="sign-in-wait"]')?.textContent;
      if (text && text !== seen.at(-1)) seen.push(text);
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
  });

  await page.getByLabel(/sign in with your email/i).fill(shopperEmail("throttled"));
  await page.getByRole("button", { name: "Sign in" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "a little too fast" });
  await expect(alert).toContainText("Try again in 3 seconds.");
  const wait = page.getByTestId("sign-in-wait");
  await expect(wait).toHaveText("You can try again now.");
  const texts = await page.evaluate(() => (window as unknown as { waitTexts: string[] }).waitTexts);
  expect(texts.slice(-3)).toEqual(["Try again in 2s.", "Try again in 1s.", "You can try again now."]);
  expect(texts[0]).toMatch(/^Try again in [23]s\.$/);

  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(buyButton(page)).toHaveText(/buy now/i);
});

test("a 410 while the stock bar still shows units keeps a way to try again", async ({ page, createSale, db }) => {
  const sale = await createSale({ stock: 3 });
  await signInByApi(page, "gate-410");
  await page.goto(`/sales/${sale.id}`);
  await failFirstBuys(page, sale.id, 1, 410, "sold_out");

  await buyButton(page).click();
  const error = page.getByTestId("buy-error");
  await expect(error).toContainText("held for shoppers ahead of you");
  await expect(page.getByTestId("sale-closed")).toHaveCount(0);
  await expect(page.getByTestId("stock")).toHaveText("3 of 3 left");
  await expect(buyButton(page)).toBeEnabled();

  await error.getByRole("button", { name: "Try again" }).click();
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  expect(await ordersInSale(db, sale.id)).toHaveLength(1);
});

test("a unit that comes back after a sell-out brings the Buy button back on an open page, without a reload", async ({ page, createSale, baseURL, db }) => {
  const sale = await createSale({ stock: 1 });
  // Shopper A takes the only unit.
  const first = await playwrightRequest.newContext({ baseURL });
  expect((await first.post("/api/session", { data: { email: shopperEmail("first-buyer") } })).status()).toBe(200);
  const placed = await first.post(`/api/sales/${sale.id}/orders`);
  expect(placed.status()).toBe(202);
  const orderId: string = (await placed.json()).order.id;
  await expect.poll(async () => (await (await first.get(`/api/orders/${orderId}`)).json()).order.status).toBe("completed");

  // Shopper B's page says sold out.
  await signInByApi(page, "second-chance");
  await page.goto(`/sales/${sale.id}`);
  // A marker in the page: a sold-out page that reloaded itself would offer Buy again too.
  await markPage(page);
  await expect(page.getByTestId("sale-closed")).toContainText("Sold out");
  await expect(buyButton(page)).toHaveCount(0);

  // The admin cancels A's order: the unit goes back on sale.
  const admin = await playwrightRequest.newContext({ baseURL });
  expect((await admin.post("/api/admin/session", { data: { password: process.env.E2E_ADMIN_PASSWORD } })).status()).toBe(200);
  expect((await admin.put(`/api/admin/orders/${orderId}/status`, { data: { status: "cancelled" } })).status()).toBe(202);
  await Promise.all([first.dispose(), admin.dispose()]);

  // Within the sold-out poll (10 s) plus the queue and the sale cache, B's open page offers Buy again.
  await expect(buyButton(page)).toBeEnabled({ timeout: 20_000 });
  await expect(page.getByTestId("stock")).toHaveText("1 of 1 left");
  await expect(page.getByTestId("sale-closed")).toHaveCount(0);
  expect(await isSamePage(page)).toBe(true); // no reload
  await buyButton(page).click();
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  const orders = await ordersInSale(db, sale.id);
  expect(orders.map((o) => o.status).sort()).toEqual(["cancelled", "completed"]);
});

test("a confirmed order the store then cancels shows as cancelled on the shopper's open pages, without a reload", async ({ page, context, createSale, baseURL, db }) => {
  const sale = await createSale({ stock: 2 });
  // The pages' clocks are Playwright's, running in step with the real one until moved on below.
  await context.clock.install();
  await signInByApi(page, "cancelled-later");
  await page.goto(`/sales/${sale.id}`);
  // Markers in both pages: pages that reloaded themselves would show the cancellation too.
  await markPage(page);
  await buyButton(page).click();
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  const [order] = await db<{ id: string }[]>`SELECT id FROM orders WHERE sale_id = ${sale.id}`;
  const orderId = order!.id;
  const list = await context.newPage();
  await list.goto("/orders");
  await markPage(list);
  const row = list.getByTestId("order-row");
  await expect(row.getByText("Confirmed", { exact: true })).toBeVisible();

  const admin = await playwrightRequest.newContext({ baseURL });
  expect((await admin.post("/api/admin/session", { data: { password: process.env.E2E_ADMIN_PASSWORD } })).status()).toBe(200);
  expect((await admin.put(`/api/admin/orders/${orderId}/status`, { data: { status: "cancelled" } })).status()).toBe(202);
  await admin.dispose();

  await expect.poll(async () => (await db`SELECT status FROM orders WHERE id = ${orderId}`)[0]!.status).toBe("cancelled");
  // Nothing asks yet: the pages still say Confirmed. A confirmed order is asked about again every 30 s or
  // so (±20 %) while its page is in view: the pages' clocks are moved on by the most that can be.
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  await context.clock.fastForward(36_500);
  await expect(orderStatus(page)).toHaveAttribute("data-status", "cancelled");
  await expect(orderStatus(page)).toContainText("was cancelled by the store");
  await expect(row.getByText("Cancelled", { exact: true })).toBeVisible();
  expect(await isSamePage(page), "the sale page is the one first loaded").toBe(true);
  expect(await isSamePage(list), "the orders list is the one first loaded").toBe(true);
});

test("the live region announces changes of status, not each retry or each new place in line", async ({ page, createSale }) => {
  const sale = await createSale({ stock: 3 });
  await signInByApi(page, "screen-reader");
  await page.goto(`/sales/${sale.id}`);
  await expect(buyButton(page)).toBeEnabled();
  // Two busy answers (one second each), then the real Buy; then the order is held in line at 5, 4, 3
  // (each answer twice, so every place is on screen for a while) before the real status comes through.
  await failFirstBuys(page, sale.id, 2, 503, "busy", 1);
  const places = [5, 5, 4, 4, 3, 3];
  await page.route(
    (url) => url.pathname.startsWith("/api/orders/"),
    async (route) => {
      const place = places.shift();
      if (route.request().method() !== "GET" || place === undefined) return route.continue();
      const real = await fetchAnswer(route);
      const { order } = await real.json();
      await route.fulfill({ response: real, json: { order: { ...order, status: "pending", failureReason: null, position: place } } });
    },
  );
  const announced = await listenToAnnouncer(page);

  await buyButton(page).click();
  const position = page.getByTestId("position");
  const announcer = page.getByTestId("announcer");
  await expect(position).toHaveText("5 orders ahead of you");
  const whileInLine = await announcer.textContent();
  await expect(position).toHaveText("4 orders ahead of you");
  await expect(announcer).toHaveText(whileInLine!);
  await expect(position).toHaveText("3 orders ahead of you");
  await expect(announcer).toHaveText(whileInLine!);
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  await expect(announcer).toContainText("Confirmed");

  // What a screen reader heard, in order: one line per change of status.
  expect(await announced()).toEqual([
    "The sale is open. You can buy now.",
    "Placing your order.",
    expect.stringMatching(/^So many shoppers .* Trying again automatically\.$/),
    whileInLine,
    expect.stringMatching(/^Confirmed\. Order number /),
  ]);
});

test("an order the store stops showing (signed out in another tab) says so instead of waiting in line forever", async ({ page, context, createSale }) => {
  const sale = await createSale({ stock: 3 });
  await signInByApi(page, "other-tab");
  await page.goto(`/sales/${sale.id}`);
  // The order is held in line until the cookie is gone; then its polls reach the server and get 401.
  let isSignedOut = false;
  await page.route(
    (url) => url.pathname.startsWith("/api/orders/"),
    async (route) => {
      if (isSignedOut || route.request().method() !== "GET") return route.continue();
      const real = await fetchAnswer(route);
      // A poll already on its way as the cookie went is the store's own answer (its 401), not one to hold in line.
      if (!real.ok()) return route.fulfill({ response: real });
      const { order } = await real.json();
      await route.fulfill({ response: real, json: { order: { ...order, status: "pending", failureReason: null, position: 2 } } });
    },
  );
  await buyButton(page).click();
  await expect(page.getByTestId("position")).toHaveText("2 orders ahead of you");

  await context.clearCookies();
  isSignedOut = true;
  await expect(page.getByLabel(/your sign-in has expired/i)).toBeVisible();
  await expect(page.getByText("You're in line")).toHaveCount(0);
  await expect(page.getByTestId("announcer")).toHaveText(/sign-in has expired/);
});

test("a signed-in shopper whose session the store cannot tell (503s while the database restarts) is told so, not offered a sign-in, and can buy once it is back", async ({ page, createSale, db }) => {
  const sale = await createSale({ stock: 3 });
  const me = await signInByApi(page, "session-503");
  // An order of theirs in another sale, for its own page.
  const other = await createSale({ stock: 3 });
  const [order] = await db<{ id: string }[]>`INSERT INTO orders (id, sale_id, user_id, status) VALUES (gen_random_uuid(), ${other.id}, ${me.id}, 'failed') RETURNING id`;
  let failed = 0;
  await page.route("**/api/session", (route) => {
    if (route.request().method() !== "GET") return route.fallback();
    failed++;
    return route.fulfill({ status: 503, contentType: "application/json", headers: { "retry-after": "1" }, body: JSON.stringify({ error: { code: "unavailable", message: "SERVER TEXT" } }) });
  });
  for (const path of ["/orders", `/orders/${order!.id}`, `/sales/${sale.id}`]) {
    await page.goto(path);
    // Past the look-up's retries: the page says the store could not tell, where it said "Sign in".
    await expect(page.getByTestId("session-error"), path).toHaveText("The store is briefly unavailable and will be back in a moment. Trying again automatically.", { timeout: 20_000 });
    await expect(page.getByLabel(/sign in with your email/i)).toHaveCount(0);
  }
  // The store back: the page asks again by itself and shows the shopper signed in.
  const before = failed;
  await page.unrouteAll();
  await expect(buyButton(page)).toBeEnabled({ timeout: 15_000 });
  await expect(page.getByTestId("session-error")).toHaveCount(0);
  await expect(page.getByRole("banner").getByText(me.email)).toBeVisible();
  expect(before).toBeGreaterThanOrEqual(4);
});
