import { expect, test } from "./fixtures";
import { buyAsAnotherShopper, completedOrders, openAdmin, openAdminSale, signInAsAdmin } from "./shopper";

// The operator's afternoon: sign in, create a sale, watch it sell out live, cancel an order, and
// deal with a change that could not be applied. Screenshots of the dashboard are kept as artifacts.

/** `count` shoppers, each with their own session, press Buy through the API. */
async function shoppersBuy(baseURL: string, saleId: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push(await buyAsAnotherShopper(baseURL, saleId, `admin-e2e-${i}`));
  return statuses;
}

test("a signed-out visit to the admin is sent to the sign-in", async ({ page, createSale }) => {
  const sale = await createSale();
  for (const path of ["/admin", `/admin/sales/${sale.id}`, "/admin/dead-letters"]) {
    await page.goto(path);
    await expect(page).toHaveURL(/\/admin\/login\?next=/);
    await expect(page.getByRole("heading", { name: "Admin sign-in" })).toBeVisible();
  }
  const api = await page.request.get("/api/admin/sales");
  expect(api.status()).toBe(401);
});

test("a wrong password is told on the form; the right one then opens the page the admin asked for", async ({ page, createSale }) => {
  const sale = await createSale();
  await page.goto(`/admin/sales/${sale.id}`);
  await expect(page).toHaveURL(/\/admin\/login\?next=/);
  const signInUrl = page.url();
  await page.getByLabel("Password", { exact: true }).fill("not-the-admin-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "password" })).toBeVisible();
  expect(page.url()).toBe(signInUrl);

  await signInAsAdmin(page);
  await expect(page).toHaveURL(new RegExp(`/admin/sales/${sale.id}$`));
  // Signed in, the sign-in page sends the admin straight on; never back to itself.
  await page.goto("/admin/login?next=/admin/dead-letters");
  await expect(page).toHaveURL(/\/admin\/dead-letters$/);
  await page.goto(`/admin/login?next=${encodeURIComponent("/admin/login?next=/admin")}`);
  await expect(page).toHaveURL(/\/admin$/);
});

test("Sign out ends the session on the server: a copy of the cookie taken before no longer opens the admin", async ({ page, browser, baseURL }) => {
  await openAdmin(page);
  // Someone copies the admin's cookie into a browser of their own.
  const copied = await browser.newContext({ baseURL });
  try {
    await copied.addCookies(await page.context().cookies());
    const thief = await copied.newPage();
    await thief.goto("/admin");
    await expect(thief).toHaveURL(/\/admin$/);

    // Signing out once fails (the server cannot be reached, after half a second): the admin is told, and
    // still signed in.
    await page.route(
      "**/api/admin/session",
      async (route) => {
        if (route.request().method() !== "DELETE") return route.continue();
        await new Promise((resolve) => setTimeout(resolve, 500));
        await route.abort();
      },
      { times: 1 },
    );
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page.getByRole("alert").filter({ hasText: "Not signed out" })).toBeVisible();
    await expect(page).toHaveURL(/\/admin$/);
    // Where they were: keyboard focus is still on Sign out, to press again.
    await expect(page.getByRole("button", { name: "Sign out", exact: true })).toBeFocused();

    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page).toHaveURL(/\/admin\/login/);
    await thief.goto("/admin");
    await expect(thief).toHaveURL(/\/admin\/login\?next=/);
    expect((await thief.request.get("/api/admin/sales")).status()).toBe(401);
  } finally {
    await copied.close();
  }
});

test("an edit saved, then changed back and saved again, ends with the value last saved", async ({ page, createSale, db }) => {
  const sale = await createSale({ startsInMs: 3600_000, stock: 40 });
  await openAdminSale(page, sale.id);
  await page.getByText("Edit this sale").click();
  const stock = page.getByLabel("Stock (units)");
  const save = page.getByRole("button", { name: "Save changes" });
  await stock.fill("50");
  await save.click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await stock.fill("40");
  await save.click();
  await expect(page.getByText("Saved.")).toBeVisible();
  await expect.poll(async () => (await db`SELECT stock FROM sales WHERE id = ${sale.id}`)[0]!.stock).toBe(40);
});

test("a sale without orders says it has none yet; a filter or search that finds none says none match", async ({ page, createSale }) => {
  const sale = await createSale();
  await openAdminSale(page, sale.id);
  const table = page.getByRole("region", { name: "Orders table" });
  await expect(table).toContainText("No orders yet.");
  await page.getByRole("combobox", { name: "Status", exact: true }).selectOption("shipped");
  await expect(table).toContainText("No orders match.");
  await page.getByRole("combobox", { name: "Status", exact: true }).selectOption("");
  await expect(table).toContainText("No orders yet.");
  await page.getByLabel("Search", { exact: true }).fill("nobody@example.com");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(table).toContainText("No orders match.");
});

test("the orders table's number column says it counts arrivals across the store, not this sale's orders", async ({ page, createSale, baseURL, db }) => {
  const sale = await createSale({ stock: 2 });
  const ids = await completedOrders(baseURL, db, sale.id, 2, "seq-column");
  await openAdminSale(page, sale.id);
  await expect(page.getByTestId("order-row")).toHaveCount(2);
  const header = page.getByTestId("orders-table").getByRole("columnheader").first();
  await expect(header).toHaveAccessibleName(/^Seq\. .*arrival.*every sale/i);
  await expect(header).not.toHaveText("#");
  // On a wide screen the header's tooltip says it; the line a phone shows under the table is hidden.
  await expect(header.locator("abbr")).toHaveAttribute("title", /^Arrival number, counted across every sale/);
  await expect(page.getByText(/^Seq\.: Arrival number/)).toBeHidden();
  // Each row shows its order's arrival number, as the store counts them.
  const [seq] = await db<{ seq: string }[]>`SELECT seq::text FROM orders WHERE id = ${ids[0]!}`;
  await expect(page.locator(`[data-testid="order-row"][data-order-id="${ids[0]}"] td`).first()).toHaveText(seq!.seq);
});

test("End now asks first, then ends the sale: the page, the open edit form and the shopper's page all show it", async ({ page, createSale, db }) => {
  const sale = await createSale({ startsInMs: -60_000, durationMs: 3600_000 });
  await openAdminSale(page, sale.id);
  await page.getByText("Edit this sale").click();
  const ends = page.getByLabel("Ends", { exact: true });
  const endsBefore = await ends.inputValue();
  // Edits typed before End now: a later end (which End now must override) and a description (kept).
  await ends.fill(endsBefore.replace(/T(\d\d)/, (_, h: string) => `T${String((Number(h) + 1) % 24).padStart(2, "0")}`));
  await page.getByLabel("Description", { exact: true }).fill("Ended early: the supplier ran short.");
  const endNow = page.getByRole("button", { name: "End now" });

  await endNow.click();
  await page.getByRole("button", { name: "Keep it running" }).click();
  await expect(endNow).toBeVisible();
  expect((await db`SELECT ends_at > now() AS open FROM sales WHERE id = ${sale.id}`)[0]!.open).toBe(true);

  await endNow.click();
  // The live numbers after the end take a second to come: End now does not come back meanwhile.
  await page.route(`**/api/admin/sales/${sale.id}/stats`, async (route) => {
    await new Promise((r) => setTimeout(r, 1000));
    await route.continue().catch(() => {});
  });
  await page.evaluate(() => {
    const seen = { endNow: 0 };
    (window as unknown as { seen: typeof seen }).seen = seen;
    new MutationObserver(() => {
      if ([...document.querySelectorAll("button")].some((b) => b.textContent?.trim() === "End now")) seen.endNow++;
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  await page.getByRole("button", { name: "Yes, end the sale now" }).click();
  await expect(endNow).toBeHidden();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("ended");
  await page.waitForResponse((res) => res.url().includes(`/api/admin/sales/${sale.id}/stats`));
  expect(await page.evaluate(() => (window as unknown as { seen: { endNow: number } }).seen.endNow), "End now shown again after the end").toBe(0);
  await page.unroute(`**/api/admin/sales/${sale.id}/stats`);
  const [ended] = await db<{ ends_at: Date }[]>`SELECT ends_at FROM sales WHERE id = ${sale.id}`;
  expect(ended!.ends_at.getTime()).toBeLessThanOrEqual(Date.now());
  // The form the admin already had open now shows the new end, in the browser's own zone.
  const endsNow = await page.evaluate((iso) => {
    const d = new Date(iso);
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }, ended!.ends_at.toISOString());
  expect(endsNow).not.toBe(endsBefore);
  await expect(ends).toHaveValue(endsNow);

  // Saving afterwards keeps the description typed before, and leaves the end where End now put it.
  await page.getByLabel("Name", { exact: true }).fill(`${sale.name} (ended early)`);
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Saved.")).toBeVisible();
  const [row] = await db<{ name: string; description: string; ends_at: Date }[]>`SELECT name, description, ends_at FROM sales WHERE id = ${sale.id}`;
  expect(row!.name).toBe(`${sale.name} (ended early)`);
  expect(row!.description).toBe("Ended early: the supplier ran short.");
  expect(row!.ends_at.getTime()).toBe(ended!.ends_at.getTime());

  await page.goto(`/sales/${sale.id}`);
  await expect(page.getByText("This sale has ended", { exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: /^Buy/ })).toHaveCount(0);
});

test("End now on a sold-out sale: its heading and the sales list say ended, End now is no longer offered, and shoppers still read it as sold out", async ({ page, createSale, baseURL, db }) => {
  const sale = await createSale({ stock: 1 });
  await completedOrders(baseURL, db, sale.id, 1, "sold-then-ended");
  await openAdminSale(page, sale.id);
  const heading = page.getByRole("heading", { level: 1 });
  await expect(heading.getByText("sold out", { exact: true })).toBeVisible();

  await page.getByRole("button", { name: "End now" }).click();
  await page.getByRole("button", { name: "Yes, end the sale now" }).click();
  await expect(heading.getByText("ended", { exact: true })).toBeVisible();
  await expect(heading.getByText("sold out", { exact: true })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "End now" })).toHaveCount(0);
  expect((await db`SELECT ends_at <= now() AS ended FROM sales WHERE id = ${sale.id}`)[0]!.ended).toBe(true);

  await page.goto("/admin");
  await expect(page.getByTestId("admin-sale-row").filter({ hasText: sale.name }).getByText("ended", { exact: true })).toBeVisible();
  // The shopper's API keeps the contract's state: the sale sold out before it ended.
  const shopperView = await page.request.get(`/api/sales/${sale.id}`);
  expect((await shopperView.json()).sale.state).toBe("sold_out");
});

test("a link to a sale the database does not have answers 404 inside the dashboard, with the way back to its list", async ({ page }) => {
  await openAdmin(page);
  const answer = await page.goto(`/admin/sales/${crypto.randomUUID()}`);
  expect(answer?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("This sale doesn't exist");
  // Still the dashboard: its navigation and sign-out are there.
  await expect(page.getByRole("button", { name: "Sign out", exact: true })).toBeVisible();
  await page.getByRole("link", { name: "All sales" }).click();
  await expect(page).toHaveURL(/\/admin$/);
});

test.describe("an admin in another time zone", () => {
  test.use({ timezoneId: "America/New_York" });

  test("sees every time of a loaded page in their own zone, named, and the form says which zone it reads", async ({ page, createSale }) => {
    const sale = await createSale();
    await openAdminSale(page, sale.id);
    await expect(page).toHaveURL(new RegExp(`/admin/sales/${sale.id}$`));
    // A full load: the server renders UTC, the browser must replace it with its own zone.
    await page.reload();
    const times = page.locator("time");
    await expect(times.first()).toBeVisible();
    // Each time names New York's offset at that instant (GMT-5 in winter, GMT-4 in summer), worked out
    // here rather than by the app.
    const newYorkZone = (iso: string) =>
      new Intl.DateTimeFormat("en-GB", { timeZone: "America/New_York", timeZoneName: "short" }).formatToParts(Date.parse(iso)).find((p) => p.type === "timeZoneName")!.value;
    const wrong = async () => {
      const shown = await times.evaluateAll((els) => els.map((el) => [el.getAttribute("datetime")!, el.textContent ?? ""] as const));
      return shown.filter(([iso, text]) => !text.endsWith(newYorkZone(iso)));
    };
    await expect.poll(wrong).toEqual([]);
    await page.getByText("Edit this sale").click();
    await expect(page.getByText("In your time zone, America/New_York.").first()).toBeVisible();
  });
});

test("the admin creates a sale, watches it sell out, cancels an order, and discards a dead letter", async ({ page, baseURL }, testInfo) => {
  test.setTimeout(120_000);
  await page.goto("/admin/sales/new");
  await expect(page).toHaveURL(/\/admin\/login/);
  await signInAsAdmin(page);
  await expect(page).toHaveURL(/\/admin\/sales\/new$/);

  // A first try with mistakes: the server's messages show beside the fields.
  const name = `Admin e2e ${Date.now().toString(36)}`;
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Price ($)", { exact: true }).fill("0");
  await page.getByLabel("Original price ($)", { exact: true }).fill("30");
  await page.getByLabel("Stock (units)", { exact: true }).fill("5");
  const now = await page.evaluate(() => {
    const d = new Date();
    const pad = (n: number) => String(n).padStart(2, "0");
    const local = (x: Date) => `${x.getFullYear()}-${pad(x.getMonth() + 1)}-${pad(x.getDate())}T${pad(x.getHours())}:${pad(x.getMinutes())}`;
    return { start: local(d), end: local(new Date(d.getTime() + 3600_000)), before: local(new Date(d.getTime() - 3600_000)) };
  });
  await page.getByLabel("Starts", { exact: true }).fill(now.start);
  await page.getByLabel("Ends", { exact: true }).fill(now.before);
  await page.getByRole("button", { name: "Create sale" }).click();
  await expect(page.getByTestId("price-error")).toHaveText("Price must be more than $0.");
  await expect(page.getByTestId("endsAt-error")).toHaveText("End time must be after the start.");
  await expect(page.getByTestId("name-error")).toHaveText("");

  await page.getByLabel("Price ($)", { exact: true }).fill("19.99");
  await page.getByLabel("Ends", { exact: true }).fill(now.end);
  await page.getByRole("button", { name: "Create sale" }).click();
  await expect(page).toHaveURL(/\/admin\/sales\/[0-9a-f-]{36}$/);
  const saleId = page.url().split("/").pop()!;
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await expect(page.getByTestId("stat-remaining")).toHaveText("5");
  await expect(page.getByTestId("count-completed")).toHaveText("0");
  await expect(page.getByTestId("activity-chart")).toHaveAttribute("data-accepted-total", "0");

  // Eight shoppers for five units: the counts and the chart follow while the page stays open.
  const answers = await shoppersBuy(baseURL!, saleId, 8);
  const accepted = answers.filter((s) => s === 202).length;
  expect(accepted).toBeGreaterThanOrEqual(5);
  await expect(page.getByTestId("count-completed")).toHaveText("5");
  await expect(page.getByTestId("count-failed")).toHaveText(String(accepted - 5));
  await expect(page.getByTestId("count-pending")).toHaveText("0");
  await expect(page.getByTestId("stat-remaining")).toHaveText("0");
  await expect(page.getByTestId("activity-chart")).toHaveAttribute("data-accepted-total", String(accepted));
  await expect(page.getByTestId("stat-sell-out")).not.toHaveText("—");
  await expect(page.locator(".recharts-area-area").first()).toBeVisible();
  await expect(page.getByTestId("order-row")).toHaveCount(accepted);
  // The rates cover complete seconds: the burst shows once its second has passed.
  await expect(page.getByTestId("stat-accepted-rate")).not.toHaveText("0");
  await page.screenshot({ path: testInfo.outputPath("dashboard-sold-out.png"), fullPage: true });

  // Cancel one completed order: its unit goes back to the sale.
  await page.getByRole("combobox", { name: "Status", exact: true }).selectOption("completed");
  const rows = page.getByTestId("order-row");
  await expect(rows).toHaveCount(5);
  const first = rows.first();
  const orderId = (await first.getAttribute("data-order-id"))!;
  // Cancelling cannot be undone: the first click asks, Keep leaves the order as it was.
  await first.getByRole("button", { name: "Cancel" }).click();
  await first.getByRole("button", { name: "Keep" }).click();
  await expect(first.getByRole("button", { name: "Cancel" })).toBeVisible();
  await expect(rows).toHaveCount(5);
  await first.getByRole("button", { name: "Cancel" }).click();
  await first.getByRole("button", { name: "Yes, cancel the order" }).click();
  await expect(page.getByRole("status").first()).toContainText("cancelled");
  await expect(page.getByTestId("stat-remaining")).toHaveText("1");
  await expect(page.getByTestId("count-cancelled")).toHaveText("1");
  await expect(rows).toHaveCount(4);
  await page.getByRole("combobox", { name: "Status", exact: true }).selectOption("cancelled");
  await expect(page.locator(`[data-testid="order-row"][data-order-id="${orderId}"]`)).toHaveAttribute("data-status", "cancelled");

  // A change for an order that does not exist: retried, then a dead letter, then discarded.
  const missing = "00000000-dead-4000-8000-" + Date.now().toString(16).padStart(12, "0").slice(-12);
  await page.getByLabel("Order id", { exact: true }).fill(missing);
  await page.getByRole("button", { name: "Send change" }).click();
  await expect(page.getByText(/Sent as job/)).toBeVisible();
  await page.getByRole("link", { name: "Dead letters", exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/dead-letters$/);
  const deadLetter = page.locator(`[data-testid="dead-letter-row"][data-order-id="${missing}"]`);
  await expect(deadLetter).toBeVisible({ timeout: 30_000 });
  await expect(deadLetter).toContainText("order-status");
  await expect(deadLetter).toContainText("order_not_found");
  await expect(deadLetter).toContainText(`There is no order ${missing}.`);
  await page.screenshot({ path: testInfo.outputPath("dead-letters.png"), fullPage: true });
  await deadLetter.getByRole("button", { name: "Discard" }).click();
  await deadLetter.getByRole("button", { name: "Yes, discard it" }).click();
  await expect(deadLetter).toHaveCount(0);

  // The sales list shows the sale with its sell-through (4 of 5 sold after the cancel).
  await page.getByRole("link", { name: "Sales", exact: true }).click();
  const row = page.getByTestId("admin-sale-row").filter({ hasText: name });
  await expect(row).toContainText("4 / 5");
  await expect(row.getByRole("progressbar", { name: "Sell-through" })).toHaveAttribute("aria-valuenow", "80");
  await page.screenshot({ path: testInfo.outputPath("sales-list.png"), fullPage: true });
});
