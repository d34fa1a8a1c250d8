import { expect, test } from "./fixtures";
import { buyButton, fetchAnswer, gate, holdBuys, isSamePage, markPage, ordersInSale, orderStatus, saleRow, signInByApi, signInInline, watchBuys } from "./shopper";

test("a shopper signs in inline, buys, sees Placing… then Confirmed, and finds the order again", async ({ page, context, createSale, db }, testInfo) => {
  const sale = await createSale({ name: `Aurora Wireless Headphones ${Date.now().toString(36)}`, stock: 5 });
  await page.goto(`/sales/${sale.id}`);
  await expect(page.getByRole("heading", { name: sale.name })).toBeVisible();
  await expect(page.getByText("5 of 5 left")).toBeVisible();
  await expect(page.getByText("−50%")).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("1-signed-out.png"), fullPage: true });

  const url = page.url();
  // Signing in is inline: no page change. The URL alone cannot tell, since a reload, or a sign-in page
  // that sends the shopper back, ends on the same one; a marker set in the page can (checked below).
  await markPage(page);
  await signInInline(page, "buyer");
  await expect(buyButton(page)).toHaveText(/buy now/i);
  expect(page.url()).toBe(url);
  await page.screenshot({ path: testInfo.outputPath("2-ready.png"), fullPage: true });

  // Hold the POST for a moment so the in-flight state can be seen.
  const release = await holdBuys(page, sale.id);
  await buyButton(page).click();
  await expect(buyButton(page)).toHaveText("Placing…");
  await expect(buyButton(page)).toBeDisabled();
  await page.screenshot({ path: testInfo.outputPath("3-placing.png"), fullPage: true });
  release();

  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  await expect(orderStatus(page)).toContainText("Confirmed");
  await expect(orderStatus(page)).toContainText(/Order number [0-9A-F]{8}/);
  await expect(page.getByTestId("announcer")).toContainText("Confirmed");
  await expect(page.getByText("4 of 5 left")).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath("4-confirmed.png"), fullPage: true });
  expect(await ordersInSale(db, sale.id)).toHaveLength(1);
  // Signed in, bought and confirmed all in the page first loaded.
  expect(await isSamePage(page)).toBe(true);

  // A reload, or the sale in a new tab, shows the order, not a fresh Buy button.
  await page.reload();
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  await expect(buyButton(page)).toHaveCount(0);
  const tab = await context.newPage();
  await tab.goto(`/sales/${sale.id}`);
  await expect(orderStatus(tab)).toHaveAttribute("data-status", "completed");
  await expect(buyButton(tab)).toHaveCount(0);

  // /orders lists it; its page shows it confirmed.
  await tab.getByRole("link", { name: "My orders" }).click();
  const row = tab.getByTestId("order-row").filter({ hasText: sale.name });
  await expect(row).toContainText("Confirmed");
  await tab.screenshot({ path: testInfo.outputPath("5-orders.png"), fullPage: true });
  await row.click();
  await expect(tab.getByRole("heading", { name: "Your order" })).toBeVisible();
  await expect(orderStatus(tab)).toContainText("Confirmed");
  await expect(tab.getByRole("link", { name: sale.name })).toBeVisible();
  await tab.screenshot({ path: testInfo.outputPath("6-order-page.png"), fullPage: true });
});

test("a sale's original price is shown crossed out however small the saving, its percentage only once it rounds to one", async ({ page, createSale }) => {
  const small = await createSale({ name: `Penny off ${Date.now().toString(36)}`, priceCents: 9960, originalPriceCents: 10_000 });
  const deep = await createSale({ name: `Cent left ${Date.now().toString(36)}`, priceCents: 1, originalPriceCents: 100_000_000 });
  await page.goto(`/sales/${small.id}`);
  await expect(page.locator("s")).toHaveText("was $100.00");
  await expect(page.getByText(/Save \d+%/)).toHaveCount(0);
  await page.goto(`/sales/${deep.id}`);
  await expect(page.getByText("Save 99%")).toBeVisible();
  await page.goto("/");
  const card = (sale: { name: string }) => page.getByTestId("sale-card").filter({ hasText: sale.name });
  await expect(card(small).locator("s")).toHaveText("was $100.00");
  await expect(card(small)).not.toContainText("%");
  await expect(card(deep)).toContainText("−99%");
});

test("an order from a sale long over, behind dozens of newer ones, is still listed by name and price under My orders", async ({ page, createSale, db }) => {
  const sale = await createSale({ name: `Lantern ${Date.now().toString(36)}`, priceCents: 1900, originalPriceCents: 3800 });
  await signInByApi(page, "history");
  expect((await page.request.post(`/api/sales/${sale.id}/orders`)).status()).toBe(202);
  await expect.poll(async () => (await ordersInSale(db, sale.id))[0]?.status).toBe("completed");
  // Months later: the sale ended long ago, and the shop's list has moved on to the sales after it.
  await db`UPDATE sales SET starts_at = now() - interval '200 days', ends_at = now() - interval '199 days' WHERE id = ${sale.id}`;
  for (let i = 0; i < 30; i++) await createSale({ name: `Since then ${i} ${Date.now().toString(36)}`, startsInMs: -86_400_000 - i * 60_000, durationMs: 3600_000 });
  const listed = await (await page.request.get("/api/sales")).json();
  expect(listed.sales.map((s: { id: string }) => s.id)).not.toContain(sale.id);

  await page.goto("/orders");
  const row = page.getByTestId("order-row");
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(sale.name);
  await expect(row).toContainText("$19.00");
  await expect(row).toContainText("Confirmed");
});

test("a double click on Buy sends one request and makes one order", async ({ page, createSale, db }) => {
  const sale = await createSale({ stock: 5 });
  await signInByApi(page, "double");
  await page.goto(`/sales/${sale.id}`);
  const buys = watchBuys(page, sale.id);
  await buyButton(page).dblclick();
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  expect(buys.keys).toHaveLength(1);
  expect(await ordersInSale(db, sale.id)).toHaveLength(1);
  expect((await saleRow(db, sale.id)).remaining).toBe(4);
});

test("an order waiting in line shows its position, then turns Confirmed without a reload", async ({ page, createSale, db }, testInfo) => {
  const sale = await createSale({ stock: 5 });
  // Two shoppers ahead in line and this shopper's own order, all pending: rows only, no jobs, so they wait.
  const others = await db<{ id: string }[]>`
    INSERT INTO users (email) VALUES (${`ahead-a-${sale.id}@example.com`}), (${`ahead-b-${sale.id}@example.com`}) RETURNING id`;
  for (const other of others) {
    await db`INSERT INTO orders (id, sale_id, user_id) VALUES (gen_random_uuid(), ${sale.id}, ${other.id})`;
  }
  const me = await signInByApi(page, "inline");
  const [mine] = await db<{ id: string }[]>`INSERT INTO orders (id, sale_id, user_id) VALUES (gen_random_uuid(), ${sale.id}, ${me.id}) RETURNING id`;

  await page.goto(`/sales/${sale.id}`);
  // A marker in the page: a card that reloaded the page while it waits would show every change too.
  await markPage(page);
  await expect(orderStatus(page)).toHaveAttribute("data-status", "pending");
  await expect(page.getByTestId("position")).toHaveText("2 orders ahead of you");
  await page.screenshot({ path: testInfo.outputPath("in-line.png"), fullPage: true });

  await db`UPDATE orders SET status = 'completed', updated_at = now() WHERE sale_id = ${sale.id} AND id <> ${mine!.id}`;
  await expect(page.getByTestId("position")).toHaveText("You're next");
  await db`UPDATE sales SET remaining = remaining - 3 WHERE id = ${sale.id}`;
  await db`UPDATE orders SET status = 'completed', updated_at = now() WHERE id = ${mine!.id}`;
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
  await expect(page.getByTestId("announcer")).toContainText("Confirmed");
  expect(await isSamePage(page)).toBe(true); // no reload
});

test.describe("the sale page's first look-ups", () => {
  test("a signed-in shopper's order is asked for beside the session, not after it, on the sale page and under My orders", async ({ page, createSale, db }) => {
    const sale = await createSale({ stock: 5 });
    const me = await signInByApi(page, "together");
    const [mine] = await db<{ id: string }[]>`INSERT INTO orders (id, sale_id, user_id, status) VALUES (gen_random_uuid(), ${sale.id}, ${me.id}, 'completed') RETURNING id`;
    await db`UPDATE sales SET remaining = remaining - 1 WHERE id = ${sale.id}`;
    for (const [path, orders, shown] of [
      [`/sales/${sale.id}`, `**/api/orders?saleId=${sale.id}`, orderStatus(page).and(page.locator('[data-status="completed"]'))],
      ["/orders", "**/api/orders", page.locator(`[data-testid="order-row"] a[href="/orders/${mine!.id}"]`)],
    ] as const) {
      // The session's answer waits until the page has asked for the orders too: a page that asks for
      // them only once it knows who is signed in never asks, and shows its placeholder for good.
      const asked = gate();
      await page.route(orders, (route) => {
        asked.open();
        return route.fallback();
      });
      await page.route("**/api/session", async (route) => {
        if (route.request().method() === "GET") await asked.opened;
        return route.fallback();
      });
      await page.goto(path);
      await expect(shown, path).toBeVisible();
      await page.unrouteAll();
    }
  });

  test("a visitor who is not signed in is offered the sign-in, not told a sign-in expired, whichever look-up answers first", async ({ page, createSale }) => {
    const sale = await createSale({ stock: 5 });
    for (const [path, order, prompt] of [
      [`/sales/${sale.id}`, `**/api/orders?saleId=${sale.id}`, "Sign in with your email to buy"],
      ["/orders", "**/api/orders", "Sign in with your email to see your orders"],
    ] as const) {
      for (const first of ["session", "order"] as const) {
        // One look-up's answer held until the other's has come back.
        const answered = gate();
        const session = "**/api/session";
        await page.route(first === "session" ? order : session, async (route) => {
          await answered.opened;
          return route.fallback();
        });
        await page.route(first === "session" ? session : order, async (route) => {
          const response = await fetchAnswer(route);
          await route.fulfill({ response });
          answered.open();
        });
        await page.goto(path);
        await expect(page.getByText(prompt), `${path}, ${first} answered first`).toBeVisible();
        await expect(page.getByText(/expired/i)).toHaveCount(0);
        await page.unrouteAll();
      }
    }
  });
});
