import type { Locator, Page, Route } from "@playwright/test";
import type postgres from "postgres";
import { expect, test } from "./fixtures";
import { buyAsAnotherShopper, completedOrders, gate, openAdminSale, signInAsAdmin } from "./shopper";

// The admin's pages when things go wrong around them: a keyboard user at a confirmation, refreshes that
// fail while the database restarts, a session that expires with a form half typed.

/** What the web answers while Postgres restarts (DESIGN.md's error shape). */
const unavailable = (route: Route) =>
  route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: { code: "unavailable", message: "The database is not answering right now." } }) });

const staleNote = (page: Page) => page.getByText(/Can't reach the server — showing .* \d\d:\d\d:\d\d\./);

test.describe("keyboard focus at a confirmation", () => {
  test("End now and Cancel move focus to their Yes, and Keep (or Escape) brings it back to the button", async ({ page, createSale, baseURL, db }) => {
    const sale = await createSale({ stock: 5 });
    await placeOrder(baseURL, sale.id, "focus");
    await expect.poll(async () => (await db`SELECT status FROM orders WHERE sale_id = ${sale.id}`)[0]?.status).toBe("completed");

    await openAdminSale(page, sale.id);
    await expect(page).toHaveURL(new RegExp(`/admin/sales/${sale.id}$`));

    /** Opens the question from `opener` by keyboard, Tabs from Yes to Keep, presses it: focus is back on `opener`. */
    const askAndKeep = async (opener: Locator, yes: Locator, keep: Locator) => {
      await opener.focus();
      await page.keyboard.press("Enter");
      await expect(yes).toBeFocused();
      await page.keyboard.press("Tab");
      await expect(keep).toBeFocused();
      await page.keyboard.press("Enter");
      await expect(opener).toBeFocused();
    };
    await askAndKeep(
      page.getByRole("button", { name: "End now" }),
      page.getByRole("button", { name: "Yes, end the sale now" }),
      page.getByRole("button", { name: "Keep it running" }),
    );

    const row = page.locator('[data-testid="order-row"][data-status="completed"]');
    const cancel = row.getByRole("button", { name: "Cancel" });
    await askAndKeep(cancel, row.getByRole("button", { name: "Yes, cancel the order" }), row.getByRole("button", { name: "Keep" }));
    // Escape answers Keep too.
    await page.keyboard.press("Enter");
    await expect(row.getByRole("button", { name: "Yes, cancel the order" })).toBeFocused();
    await page.keyboard.press("Escape");
    await expect(cancel).toBeFocused();
    // Nothing was sent: the order is still completed.
    expect((await db`SELECT status FROM orders WHERE sale_id = ${sale.id}`)[0]!.status).toBe("completed");
  });
});

/** An order's row in the admin's orders table. */
const orderRow = (page: Page, orderId: string) => page.locator(`[data-testid="order-row"][data-order-id="${orderId}"]`);

/** One shopper of its own places an order in the sale. */
async function placeOrder(baseURL: string | undefined, saleId: string, tag: string) {
  expect(await buyAsAnotherShopper(baseURL, saleId, tag)).toBe(202);
}

test.describe("the orders table under the pointer", () => {
  test("rows hold their places while the pointer is in the table; a newer order waits behind a button", async ({ page, createSale, baseURL, db }) => {
    const sale = await createSale({ stock: 5 });
    await placeOrder(baseURL, sale.id, "held-first");
    await openAdminSale(page, sale.id);
    const rows = page.getByTestId("order-row");
    await expect(rows).toHaveCount(1);
    const first = await rows.first().getAttribute("data-order-id");

    await page.getByTestId("orders-table").hover();
    await placeOrder(baseURL, sale.id, "held-second");
    const showNewer = page.getByTestId("show-newer");
    await expect(showNewer).toHaveText("Show 1 newer order");
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toHaveAttribute("data-order-id", first!);
    // Its status still follows the worker (pending, then completed), in place.
    await expect.poll(async () => (await db`SELECT count(*)::int AS n FROM orders WHERE sale_id = ${sale.id} AND status = 'completed'`)[0]!.n).toBe(2);
    await expect(rows.first()).toHaveAttribute("data-status", "completed");

    await page.mouse.move(0, 0);
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(1)).toHaveAttribute("data-order-id", first!);
    await expect(showNewer).toHaveCount(0);
  });

  test("under a status filter, the older row that fills the page as a shipped one leaves it comes in at the bottom, not counted as newer", async ({ page, createSale, baseURL, db }) => {
    const sale = await createSale({ stock: 25 });
    await completedOrders(baseURL, db, sale.id, 21, "filter-fill");
    await openAdminSale(page, sale.id);
    await page.getByRole("combobox", { name: "Status", exact: true }).selectOption("completed");
    const rows = page.getByTestId("order-row");
    await expect(rows).toHaveCount(20);
    await expect(page.getByRole("button", { name: "Older →" })).toBeEnabled();
    const ids = await rows.evaluateAll((all) => all.map((row) => row.getAttribute("data-order-id")!));

    // The pointer on the table throughout: the shipped row leaves the filter, the rest stay in place,
    // and the 21st completed order, older than all of them, takes the last place.
    await orderRow(page, ids[0]!).getByRole("button", { name: "Ship" }).click();
    await expect(orderRow(page, ids[0]!)).toHaveCount(0, { timeout: 15_000 });
    await expect(rows).toHaveCount(20);
    expect((await rows.evaluateAll((all) => all.map((row) => row.getAttribute("data-order-id")!))).slice(0, 19)).toEqual(ids.slice(1));
    await expect(page.getByTestId("show-newer")).toHaveCount(0);
    // The rows are held all the while: an order newer than all of them waits behind the button.
    await placeOrder(baseURL, sale.id, "filter-fill-newer");
    await expect(page.getByTestId("show-newer")).toHaveText("Show 1 newer order", { timeout: 15_000 });
    await expect(rows.first()).toHaveAttribute("data-order-id", ids[1]!);
  });

  test("under a status filter, when every held row leaves at once, the older rows filling the page are shown, not counted as newer", async ({ page, createSale, baseURL, db }) => {
    const sale = await createSale({ stock: 25 });
    await completedOrders(baseURL, db, sale.id, 22, "filter-all-leave");
    await openAdminSale(page, sale.id);
    await page.getByRole("combobox", { name: "Status", exact: true }).selectOption("completed");
    const rows = page.getByTestId("order-row");
    await expect(rows).toHaveCount(20);
    const ids = await rows.evaluateAll((all) => all.map((row) => row.getAttribute("data-order-id")!));

    // The pointer on the table throughout: the whole page is shipped at once (as from another tab), so
    // the two older completed orders are what the filter has left.
    await rows.first().hover();
    for (const id of ids) expect((await page.request.put(`/api/admin/orders/${id}/status`, { data: { status: "shipped" } })).status()).toBe(202);
    await expect(rows).toHaveCount(2, { timeout: 15_000 });
    const left = await rows.evaluateAll((all) => all.map((row) => row.getAttribute("data-order-id")!));
    expect(left.filter((id) => ids.includes(id))).toEqual([]);
    await expect(page.getByTestId("show-newer")).toHaveCount(0);
    // Still held: an order newer than all of them waits behind the button.
    await placeOrder(baseURL, sale.id, "filter-all-leave-newer");
    await expect(page.getByTestId("show-newer")).toHaveText("Show 1 newer order", { timeout: 15_000 });
    await expect(rows).toHaveCount(2);
  });

  test("Ship marks its row as sent, with no second button to press, until the worker has shipped it", async ({ page, createSale, baseURL, db }) => {
    const sale = await createSale({ stock: 5 });
    await placeOrder(baseURL, sale.id, "ship-once");
    await expect.poll(async () => (await db`SELECT status FROM orders WHERE sale_id = ${sale.id}`)[0]?.status).toBe("completed");
    await openAdminSale(page, sale.id);
    // The change's request is held until the test lets it go: until then the order stays completed, so
    // the row's state after the click, before the worker acts, is what is seen.
    const held = gate();
    await page.route("**/api/admin/orders/*/status", async (route) => {
      await held.opened;
      await route.continue();
    });
    const orderId = (await db`SELECT id FROM orders WHERE sale_id = ${sale.id}`)[0]!.id as string;
    const row = page.locator(`[data-testid="order-row"][data-order-id="${orderId}"]`);
    await row.getByRole("button", { name: "Ship" }).click();
    await expect(row.getByTestId("change-sent")).toHaveText("→ shipped: sent, applying…");
    await expect(row).toHaveAttribute("data-status", "completed");
    // No second change to send (its id's Copy button stays).
    await expect(row.getByRole("button", { name: /^(Ship|Cancel)$/ })).toHaveCount(0);
    held.open();
    // The pointer stays where it clicked: the row still turns shipped in place.
    await expect(row).toHaveAttribute("data-status", "shipped");
    await expect(page.getByRole("button", { name: "Cancel" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Ship" })).toHaveCount(0);
  });

  test("a Ship refused on one row while another row's Ship is on its way is told on its own row, which offers its buttons again", async ({ page, createSale, baseURL, db }) => {
    const sale = await createSale({ stock: 5 });
    const [a, b] = await completedOrders(baseURL, db, sale.id, 2, "two-ships");
    await openAdminSale(page, sale.id);
    const rowA = orderRow(page, a!);
    const rowB = orderRow(page, b!);
    await expect(rowA).toBeVisible();
    // A's change is answered late, and refused (the database restarting); B's is sent meanwhile and goes
    // through. A's answer is held until B's has come back, however long the machine takes to draw A's
    // "sent" and to press B's Ship.
    const answerA = gate();
    await page.route(`**/api/admin/orders/${a}/status`, async (route) => {
      await answerA.opened;
      await unavailable(route);
    });
    await rowA.getByRole("button", { name: "Ship" }).click();
    await expect(rowA.getByTestId("change-sent")).toHaveText("→ shipped: sent, applying…");
    const answerB = page.waitForResponse((response) => response.url().endsWith(`/api/admin/orders/${b}/status`));
    await rowB.getByRole("button", { name: "Ship" }).click();
    expect((await answerB).status()).toBe(202);
    answerA.open();

    await expect(rowA.getByRole("alert")).toHaveText("Not shipped: The database is not answering right now.");
    await expect(rowA.getByTestId("change-sent")).toHaveCount(0);
    await expect(rowA.getByRole("button", { name: "Ship" })).toBeVisible();
    await expect(rowB).toHaveAttribute("data-status", "shipped");
    await expect(rowB.getByRole("alert")).toHaveCount(0);
    expect((await db`SELECT status FROM orders WHERE id = ${a!}`)[0]!.status).toBe("completed");

    // Sent again once the database is back, it goes through and the message goes.
    await page.unroute(`**/api/admin/orders/${a}/status`);
    await rowA.getByRole("button", { name: "Ship" }).click();
    await expect(rowA.getByRole("alert")).toHaveCount(0);
    await expect(rowA).toHaveAttribute("data-status", "shipped");
  });

  test("with the pointer resting on the table, the page or search the admin asks for shows its own rows at once", async ({ page, createSale, baseURL, db }) => {
    const sale = await createSale({ stock: 30 });
    const ids = await completedOrders(baseURL, db, sale.id, 22, "paged");
    await openAdminSale(page, sale.id);
    const rows = page.getByTestId("order-row");
    await expect(rows).toHaveCount(20);
    await page.getByTestId("orders-table").hover();
    const showNewer = page.getByTestId("show-newer");

    // Older orders, asked for from the keyboard: the sale's two oldest, not the page held before.
    const older = page.getByRole("button", { name: "Older →" });
    await older.focus();
    await page.keyboard.press("Enter");
    await expect(rows).toHaveCount(2);
    await expect(rows.first()).toHaveAttribute("data-order-id", ids[1]!);
    await expect(showNewer).toHaveCount(0);
    // The last page: Older is off, and keyboard focus is still on it, not dropped to the page.
    await expect(older).toBeFocused();
    await expect(older).toHaveAttribute("aria-disabled", "true");
    // Pressed again, it asks for nothing: the table's next answer is still the last page.
    await page.keyboard.press("Enter");
    await page.waitForResponse((response) => response.url().includes(`/api/admin/sales/${sale.id}/orders?`));
    await expect(rows).toHaveCount(2);
    await expect(rows.first()).toHaveAttribute("data-order-id", ids[1]!);

    // A search for one order: that order.
    await page.getByPlaceholder("order number or id, or email").fill(ids[5]!);
    await page.keyboard.press("Enter");
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toHaveAttribute("data-order-id", ids[5]!);
    await page.getByPlaceholder("order number or id, or email").fill("");
    await page.keyboard.press("Enter");
    await expect(rows).toHaveCount(20);
    await expect(rows.first()).toHaveAttribute("data-order-id", ids[21]!);

    // Those rows are held in turn: a newer order waits behind the button, above the rows as they were.
    await placeOrder(baseURL, sale.id, "paged-late");
    await expect(showNewer).toHaveText("Show 1 newer order");
    await expect(rows.first()).toHaveAttribute("data-order-id", ids[21]!);
    await expect(rows.nth(1)).toHaveAttribute("data-order-id", ids[20]!);
  });
});

test.describe("refreshes that fail", () => {
  test("the orders' rows keep their place when the first change is sent and when a note about old figures comes and goes", async ({ page, createSale, baseURL, db }) => {
    const sale = await createSale({ stock: 5 });
    const ids = await completedOrders(baseURL, db, sale.id, 3, "in-place");
    await openAdminSale(page, sale.id);
    const rows = ids.map((id) => page.locator(`[data-testid="order-row"][data-order-id="${id}"]`));
    for (const row of rows) await expect(row.getByRole("button", { name: "Ship" })).toBeVisible();
    // Where the table's top sits on the page (not in the window, which a click may scroll): the rows
    // below it move with it. A row's own change (its buttons giving way to "sent") is not in question.
    const table = page.getByRole("region", { name: "Orders table" });
    const top = () => table.evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
    const before = await top();
    // A change sent: the line saying so takes no new room.
    await rows[2]!.getByRole("button", { name: "Ship" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Sent: order" })).toBeVisible();
    expect(await top()).toBe(before);
    // The live numbers' and the orders' refreshes fail: their notes take the place of the lines that say
    // how often they refresh.
    await page.route(`**/api/admin/sales/${sale.id}/stats`, unavailable);
    await page.route(`**/api/admin/sales/${sale.id}/orders?*`, unavailable);
    await expect(staleNote(page)).toHaveCount(2);
    expect(await top()).toBe(before);
    await page.unrouteAll();
    await expect(staleNote(page)).toHaveCount(0);
    expect(await top()).toBe(before);
  });

  test("the live numbers stay on screen with a note saying how old they are, gone once refreshes work again", async ({ page, createSale }) => {
    const sale = await createSale({ stock: 12 });
    await openAdminSale(page, sale.id);
    await expect(page.getByTestId("count-completed")).toHaveText("0");
    await expect(page.getByTestId("stat-remaining")).toHaveText("12");
    await expect(staleNote(page)).toHaveCount(0);

    const stats = `**/api/admin/sales/${sale.id}/stats`;
    let failed = 0;
    await page.route(stats, (route) => (failed++, unavailable(route)));
    await expect(staleNote(page)).toBeVisible();
    // Past the query's three retries and into the next refreshes, where the query is in its error state.
    await expect.poll(() => failed, { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
    await expect(page.getByRole("alert").filter({ hasText: "Could not load the live numbers" })).toHaveCount(0);
    await expect(staleNote(page)).toBeVisible();
    await expect(page.getByTestId("stat-remaining")).toHaveText("12");
    await expect(page.getByTestId("count-completed")).toHaveText("0");

    await page.unroute(stats);
    await expect(staleNote(page)).toHaveCount(0);
    await expect(page.getByTestId("count-completed")).toHaveText("0");
  });

  test("the live numbers say how old they are while a refresh is slow to come back, and stop saying it once it has", async ({ page, createSale }) => {
    const sale = await createSale({ stock: 12 });
    await openAdminSale(page, sale.id);
    await expect(page.getByTestId("stat-remaining")).toHaveText("12");
    const slowNote = page.getByText(/The server is slow to answer — showing figures from \d\d:\d\d:\d\d\./);
    await expect(slowNote).toHaveCount(0);

    // A busy server: refreshes are answered only once the test lets them go.
    const held = gate();
    await page.route(`**/api/admin/sales/${sale.id}/stats`, async (route) => {
      await held.opened;
      await route.continue();
    });
    await expect(slowNote).toBeVisible({ timeout: 10_000 });
    await expect(page.getByTestId("stat-remaining")).toHaveText("12");
    held.open();
    await expect(slowNote).toHaveCount(0);
    // And a refresh answered at once afterwards raises no note.
    await page.waitForTimeout(4_000);
    await expect(slowNote).toHaveCount(0);
  });

  test("the orders table keeps its rows with a note while its refreshes fail", async ({ page, createSale, baseURL }) => {
    const sale = await createSale({ stock: 5 });
    await placeOrder(baseURL, sale.id, "stale-orders");
    await openAdminSale(page, sale.id);
    const rows = page.getByTestId("order-row");
    await expect(rows).toHaveCount(1);

    const orders = (url: URL) => url.pathname === `/api/admin/sales/${sale.id}/orders`;
    let failed = 0;
    await page.route(orders, (route) => (failed++, unavailable(route)));
    await expect(staleNote(page)).toBeVisible();
    await expect(staleNote(page)).toContainText("the orders as of");
    // Past the query's three retries and into the next refresh: by then the old table had put the raw
    // error above its rows.
    await expect.poll(() => failed, { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
    await expect(page.getByRole("alert").filter({ hasText: "The database is not answering right now." })).toHaveCount(0);
    await expect(staleNote(page)).toBeVisible();
    await expect(rows).toHaveCount(1);

    await page.unroute(orders);
    await expect(staleNote(page)).toHaveCount(0);
    await expect(rows).toHaveCount(1);
  });

  test("the sales list keeps its rows with a note while its refreshes fail", async ({ page, createSale }) => {
    const sale = await createSale();
    await page.goto("/admin");
    await signInAsAdmin(page);
    const row = page.getByTestId("admin-sale-row").filter({ hasText: sale.name });
    await expect(row).toBeVisible();

    const list = (url: URL) => url.pathname === "/api/admin/sales";
    let failed = 0;
    await page.route(list, (route) => (failed++, unavailable(route)));
    await expect(staleNote(page)).toBeVisible();
    // Past the query's three retries and into the next refresh, where the query is in its error state.
    await expect.poll(() => failed, { timeout: 30_000 }).toBeGreaterThanOrEqual(5);
    await expect(page.getByRole("alert").filter({ hasText: "The database is not answering right now." })).toHaveCount(0);
    await expect(staleNote(page)).toBeVisible();
    await expect(row).toBeVisible();

    await page.unroute(list);
    await expect(staleNote(page)).toHaveCount(0);
    await expect(row).toBeVisible();
  });

  test("the dead letters stay listed with a note while refreshes fail, instead of giving way to the error", async ({ page, createSale }) => {
    const sale = await createSale();
    await page.goto(`/admin/dead-letters?saleId=${sale.id}`);
    await signInAsAdmin(page);
    await expect(page.getByTestId("dead-letter-total")).toHaveText("0");

    const list = (url: URL) => url.pathname === "/api/admin/dead-letters";
    let failed = 0;
    await page.route(list, (route) => (failed++, unavailable(route)));
    await expect(staleNote(page)).toBeVisible();
    // Past the query's three retries and into the next refresh, when the old page had swapped the list
    // for the error.
    await expect.poll(() => failed, { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
    await expect(page.getByText("The database is not answering right now.", { exact: true })).toHaveCount(0);
    await expect(page.getByTestId("dead-letter-total")).toHaveText("0");

    await page.unroute(list);
    await expect(staleNote(page)).toHaveCount(0);
    await expect(page.getByTestId("dead-letter-total")).toHaveText("0");
  });
});

/** Back on the sale's page after the sign-in: the edit of its stock to 45 is still in the form, and saves. */
async function expectEditKeptAndSaved(page: Page, db: postgres.Sql, saleId: string): Promise<void> {
  await expect(page).toHaveURL(new RegExp(`/admin/sales/${saleId}$`));
  const stock = page.getByLabel("Stock (units)", { exact: true });
  await expect(stock).toBeVisible();
  await expect(stock).toHaveValue("45");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await expect.poll(async () => (await db`SELECT stock FROM sales WHERE id = ${saleId}`)[0]!.stock).toBe(45);
}

/**
 * Holds the admin page's own refreshes from here on, never answered, so what the test does next is the
 * first request to meet an expired session. The live numbers refresh every second: on a loaded machine
 * one of them met it first and took the page to the sign-in before the test's click, which then waited
 * for that held page to load.
 */
async function holdRefreshes(page: Page): Promise<void> {
  const here = page.url();
  const never = new Promise<void>(() => {});
  await page.route("**/api/admin/**", async (route) => (route.request().method() === "GET" && route.request().frame().url() === here ? never : route.fallback()));
}

test.describe("a session that expires while the admin types", () => {
  test("a Ship met by the expired session goes to the sign-in without telling the row it was refused", async ({ page, context, createSale, baseURL, db }) => {
    const sale = await createSale({ stock: 3 });
    const [orderId] = await completedOrders(baseURL, db, sale.id, 1, "expired-ship");
    // What the page shows is watched from inside it: the page is leaving, and the test's own queries of
    // it would wait for the next one.
    const seen: string[] = [];
    page.on("console", (message) => message.text().startsWith("shown: ") && seen.push(message.text()));
    await page.addInitScript(() => {
      const report = () => {
        for (const alert of document.querySelectorAll('[role="alert"]')) if (alert.textContent) console.log(`shown: ${alert.textContent}`);
        if (document.body?.textContent?.includes("Not shipped")) console.log("shown: Not shipped");
      };
      new MutationObserver(report).observe(document, { subtree: true, childList: true, characterData: true });
    });
    await openAdminSale(page, sale.id);
    const row = page.locator(`[data-testid="order-row"][data-order-id="${orderId}"]`);
    await expect(row.getByRole("button", { name: "Ship" })).toBeVisible();
    // The sign-in page held on its way, as on a slow connection: the sale page stays on screen meanwhile.
    const leaving = gate();
    await page.route("**/admin/login?**", async () => {
      leaving.open();
      await new Promise<void>(() => {});
    });
    await holdRefreshes(page);
    await context.clearCookies();
    const refused = page.waitForResponse((response) => response.url().endsWith(`/api/admin/orders/${orderId}/status`));
    // Not waiting for the page the click leads to: it is held for good. On a loaded machine the refusal
    // came back, and the page set off, before the click's own end, which then waited out the test.
    await row.getByRole("button", { name: "Ship" }).click({ noWaitAfter: true });
    expect((await refused).status()).toBe(401);
    await leaving.opened;
    // Time for the page to show whatever the 401 led to before it goes.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(seen).toEqual([]);
  });

  test("Create with the admin signed out keeps what was typed through the sign-in, and then creates the sale", async ({ page, context }) => {
    await page.goto("/admin/sales/new");
    await signInAsAdmin(page);
    await expect(page).toHaveURL(/\/admin\/sales\/new$/);

    const name = `Draft kept ${Date.now().toString(36)}`;
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Description", { exact: true }).fill("Typed before the session ran out.");
    await page.getByLabel("Price ($)", { exact: true }).fill("12.50");
    await page.getByLabel("Original price ($)", { exact: true }).fill("20");
    await page.getByLabel("Stock (units)", { exact: true }).fill("7");

    await context.clearCookies();
    await page.getByRole("button", { name: "Create sale" }).click();
    await expect(page).toHaveURL(/\/admin\/login\?next=/);
    await signInAsAdmin(page);
    await expect(page).toHaveURL(/\/admin\/sales\/new$/);

    await expect(page.getByLabel("Name", { exact: true })).toHaveValue(name);
    await expect(page.getByLabel("Description", { exact: true })).toHaveValue("Typed before the session ran out.");
    await expect(page.getByLabel("Price ($)", { exact: true })).toHaveValue("12.50");
    await expect(page.getByLabel("Stock (units)", { exact: true })).toHaveValue("7");
    await expect(page.getByTestId("draft-restored")).toBeVisible();

    await page.getByRole("button", { name: "Create sale" }).click();
    await expect(page).toHaveURL(/\/admin\/sales\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { name })).toBeVisible();
    await expect(page.getByTestId("stat-remaining")).toHaveText("7");
  });

  test("Save changes with the admin signed out keeps the edit through the sign-in", async ({ page, context, createSale, db }) => {
    const sale = await createSale({ startsInMs: 3600_000, stock: 30 });
    await openAdminSale(page, sale.id);
    await page.getByText("Edit this sale").click();
    await page.getByLabel("Stock (units)", { exact: true }).fill("45");

    await holdRefreshes(page);
    await context.clearCookies();
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page).toHaveURL(/\/admin\/login\?next=/);
    await signInAsAdmin(page);
    await expectEditKeptAndSaved(page, db, sale.id);
  });

  test("a change by order id sent with the admin signed out keeps the id through the sign-in, and is then sent", async ({ page, context, createSale, baseURL, db }) => {
    const sale = await createSale({ stock: 3 });
    const [orderId] = await completedOrders(baseURL, db, sale.id, 1, "expired-by-id");
    await openAdminSale(page, sale.id);
    const form = page.getByRole("form", { name: "Change an order by id" });
    await form.getByLabel("Order id").fill(orderId!);
    await form.getByLabel("New status").selectOption("cancelled");

    await holdRefreshes(page);
    await context.clearCookies();
    await form.getByRole("button", { name: "Send change" }).click();
    await form.getByRole("button", { name: "Yes, cancel the order" }).click();
    await expect(page).toHaveURL(/\/admin\/login\?next=/);
    await page.unrouteAll();
    await signInAsAdmin(page);
    await expect(page).toHaveURL(new RegExp(`/admin/sales/${sale.id}$`));

    await expect(form.getByLabel("Order id")).toHaveValue(orderId!);
    await expect(form.getByLabel("New status")).toHaveValue("cancelled");
    await form.getByRole("button", { name: "Send change" }).click();
    await form.getByRole("button", { name: "Yes, cancel the order" }).click();
    await expect(form.getByRole("status")).toContainText("Sent as job");
    await expect(page.locator(`[data-testid="order-row"][data-order-id="${orderId}"]`)).toHaveAttribute("data-status", "cancelled");
    // What was kept is read once, and a change sent is not kept: the session running out again, the
    // page's next refresh goes to the sign-in, and the page comes back with the form empty (enabled once
    // the page's scripts have run, in the same render that reads what was kept).
    await context.clearCookies();
    await expect(page).toHaveURL(/\/admin\/login\?next=/);
    await signInAsAdmin(page);
    await expect(page).toHaveURL(new RegExp(`/admin/sales/${sale.id}$`));
    await expect(form.getByLabel("Order id")).toBeEnabled();
    await expect(form.getByLabel("Order id")).toHaveValue("");
  });

  test("an edit typed while the session runs out is kept through the sign-in that a refresh of the live numbers leads to", async ({ page, context, createSale, db }) => {
    const sale = await createSale({ startsInMs: 3600_000, stock: 30 });
    await openAdminSale(page, sale.id);
    await page.getByText("Edit this sale").click();
    await page.getByLabel("Stock (units)", { exact: true }).fill("45");

    // Nothing more is pressed: the page's next refresh meets the expired session and goes to the sign-in.
    await context.clearCookies();
    await expect(page).toHaveURL(/\/admin\/login\?next=/);
    await signInAsAdmin(page);
    await expectEditKeptAndSaved(page, db, sale.id);
  });
});

test("before the sale page's scripts have run, End now and the sign-out buttons show disabled, not as buttons that would drop a click", async ({ page, createSale }) => {
  const sale = await createSale({ stock: 3 });
  await openAdminSale(page, sale.id);
  const buttons = ["End now", "Sign out everywhere", "Sign out"].map((name) => page.getByRole("button", { name, exact: true }));
  for (const button of buttons) await expect(button).toBeEnabled();

  // The page loaded again with its scripts held on their way, as on a slow connection.
  const scripts = gate();
  await page.route("**/_next/static/chunks/**", async (route) => {
    await scripts.opened;
    await route.fallback();
  });
  await page.reload({ waitUntil: "commit" });
  await expect(page.getByRole("heading", { level: 1 })).toContainText(sale.name);
  for (const button of buttons) await expect(button).toBeDisabled();

  scripts.open();
  for (const button of buttons) await expect(button).toBeEnabled();
  await buttons[0]!.click();
  await expect(page.getByRole("button", { name: "Yes, end the sale now" })).toBeFocused();
});
