import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { completedOrders, gate, openAdmin, openAdminSale, watchFor } from "./shopper";

// The admin's forms as a person filling them in meets them: where focus goes when a save is refused,
// what each field's message says and how a screen reader finds it, and an order id the table gives that
// the "Send change" form takes.

test.describe("the sale form", () => {
  test("a submit with mistakes puts focus on the first field at fault; each field carries its own message", async ({ page }) => {
    await openAdmin(page);
    await page.goto("/admin/sales/new");
    const name = page.getByLabel("Name", { exact: true });
    const price = page.getByLabel("Price ($)", { exact: true });
    const original = page.getByLabel("Original price ($)", { exact: true });
    const create = page.getByRole("button", { name: "Create sale" });
    await price.fill("0");
    await original.fill("30");
    await create.click();
    await expect(name).toBeFocused();
    await expect(name).toHaveAttribute("aria-invalid", "true");
    await expect(name).toHaveAccessibleDescription("Name is required.");
    await expect(price).toHaveAttribute("aria-invalid", "true");
    await expect(price).toHaveAccessibleDescription("Price must be more than $0.");
    await expect(original).toHaveAttribute("aria-invalid", "false");
    await expect(original).toHaveAccessibleDescription("");
    // A field with a hint is described by its message, then its hint.
    await expect(page.getByLabel("Starts", { exact: true })).toHaveAccessibleDescription(/^In your time zone, /);

    // Name put right: the next submit takes focus to the price, the first field still at fault.
    await name.fill(`Focus ${Date.now().toString(36)}`);
    await create.click();
    await expect(price).toBeFocused();
    await expect(name).toHaveAttribute("aria-invalid", "false");
  });

  test("a refusal slow to come back leaves focus, and what the admin types, in the field they moved on to", async ({ page }) => {
    await openAdmin(page);
    await page.goto("/admin/sales/new");
    const name = page.getByLabel("Name", { exact: true });
    const description = page.getByLabel("Description", { exact: true });
    // The create is held on its way, so the admin is typing elsewhere when its refusal (no name) lands.
    const sent = gate();
    const held = gate();
    await page.route("**/api/admin/sales", async (route) => {
      if (route.request().method() !== "POST") return route.fallback();
      sent.open();
      await held.opened;
      await route.continue();
    });
    await page.getByRole("button", { name: "Create sale" }).click();
    await sent.opened;
    await description.fill("Half price");
    held.open();
    await expect(name).toHaveAccessibleDescription("Name is required.");
    await expect(description).toBeFocused();
    await page.keyboard.type(" until noon");
    await expect(description).toHaveValue("Half price until noon");
    await expect(name).toHaveValue("");
  });

  test("the edit form puts focus on a field at fault too", async ({ page, createSale }) => {
    const sale = await createSale({ startsInMs: 3600_000 });
    await openAdminSale(page, sale.id);
    await page.getByText("Edit this sale").click();
    const stock = page.getByLabel("Stock (units)", { exact: true });
    await stock.fill("0");
    const save = page.getByRole("button", { name: "Save changes" });
    await save.click();
    await expect(stock).toBeFocused();
    await expect(stock).toHaveAttribute("aria-invalid", "true");
    await expect(stock).toHaveAccessibleDescription("Stock must be at least 1.");
  });
});

test("a new sale's default times are on the store's clock, also from a computer whose clock is three hours fast", async ({ page }) => {
  await page.clock.install({ time: Date.now() + 3 * 3_600_000 });
  await openAdmin(page);
  const opened = Date.now();
  await page.goto("/admin/sales/new");
  // The next quarter hour at least 5 minutes ahead on the store's clock (the test's), and an hour later,
  // as the fields show them (the browser's zone).
  const quarter = (at: number) => Math.ceil((at + 5 * 60_000) / 900_000) * 900_000;
  const times = async (start: number) => [await localInput(page, start), await localInput(page, start + 3_600_000)];
  const expected = [await times(quarter(opened)), await times(quarter(Date.now() + 5_000))];
  const shown = async () => [await page.getByLabel("Starts", { exact: true }).inputValue(), await page.getByLabel("Ends", { exact: true }).inputValue()];
  await expect.poll(async () => expected.map((e) => e.join(" → ")).includes((await shown()).join(" → "))).toBe(true);
});

test.describe("in New York", () => {
  test.use({ timezoneId: "America/New_York" });

  test("a start the clocks skip (2:30 on the night they go forward) is told so on its own field, and no sale is made", async ({ page, db }) => {
    await openAdmin(page);
    await page.goto("/admin/sales/new");
    const name = `Skipped hour ${Date.now().toString(36)}`;
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Price ($)", { exact: true }).fill("10");
    await page.getByLabel("Original price ($)", { exact: true }).fill("20");
    const starts = page.getByLabel("Starts", { exact: true });
    const ends = page.getByLabel("Ends", { exact: true });
    await starts.fill("2027-03-14T02:30");
    await ends.fill("2027-03-14T04:00");
    await page.getByRole("button", { name: "Create sale" }).click();
    await expect(starts).toHaveAccessibleDescription(/^Start time does not exist in your time zone: the clocks go forward over it\./);
    await expect(starts).toBeFocused();
    await expect(ends).toHaveAttribute("aria-invalid", "false");
    expect(await db`SELECT 1 FROM sales WHERE name = ${name}`).toHaveLength(0);
    // An hour later, after the change, it is made.
    await starts.fill("2027-03-14T03:30");
    await page.getByRole("button", { name: "Create sale" }).click();
    await expect(page).toHaveURL(/\/admin\/sales\/[0-9a-f-]{36}$/);
    expect((await db`SELECT starts_at FROM sales WHERE name = ${name}`)[0]!.starts_at).toEqual(new Date("2027-03-14T07:30:00Z"));
  });
});

/** `at` as a date-time field takes it, in the browser's zone. */
function localInput(page: Page, at: number): Promise<string> {
  return page.evaluate((ms) => {
    const d = new Date(ms);
    const pad = (n: number) => String(n).padStart(2, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }, at);
}

test.describe("what the forms say", () => {
  for (const [clock, skewMs] of [
    ["", 0],
    [", from a computer whose clock is two hours slow (judged on the store's clock)", -2 * 3_600_000],
  ] as const) {
    test(`an edit whose end has passed is not saved: it would end the live sale at once, and End now is the way to that${clock}`, async ({ page, createSale, db }) => {
      if (skewMs) await page.clock.install({ time: Date.now() + skewMs });
      // Open for two hours already, for two more.
      const sale = await createSale({ stock: 40, startsInMs: -7_200_000, durationMs: 4 * 3_600_000 });
      const [before] = await db`SELECT ends_at FROM sales WHERE id = ${sale.id}`;
      await openAdminSale(page, sale.id);
      await page.getByText("Edit this sale").click();
      const patches: string[] = [];
      page.on("request", (request) => {
        if (request.method() === "PATCH") patches.push(request.url());
      });
      // Meant for tonight, typed for this morning: an hour ago for the store (an hour ahead on the slow
      // computer's clock), typed in the browser's zone.
      const ends = page.getByLabel("Ends", { exact: true });
      await ends.fill(await localInput(page, Date.now() - 3_600_000));
      await page.getByRole("button", { name: "Save changes" }).click();
      await expect(ends).toBeFocused();
      await expect(ends).toHaveAttribute("aria-invalid", "true");
      await expect(ends).toHaveAccessibleDescription(/^End time has passed: saved, it would end the sale at once\. To end it now, use End now\./);
      await expect(page.getByText("Saved.")).toHaveCount(0);
      expect(patches).toEqual([]);
      expect((await db`SELECT ends_at FROM sales WHERE id = ${sale.id}`)[0]!.ends_at).toEqual(before!.ends_at);
      await expect(page.getByRole("heading", { level: 1 })).toContainText("live");
    });
  }

  test("a save pressed before the page has read the store's clock says Saving… while it is read, then is judged on it", async ({ page, createSale, db }) => {
    await page.clock.install({ time: Date.now() - 2 * 3_600_000 });
    const sale = await createSale({ stock: 40, startsInMs: -7_200_000, durationMs: 4 * 3_600_000 });
    const [before] = await db`SELECT ends_at FROM sales WHERE id = ${sale.id}`;
    // The store's clock answers only once Save has been pressed: the page's own read (one request, held)
    // waits until the save's own read, the second request, arrives, and then both go on at once. Opened
    // by the route, not by the test once it has seen the press, since the save waits 2 s at most for its
    // read, and on a busy machine a click's return and a check of the page can take longer than that.
    let asked = 0;
    const saveAsked = gate();
    await page.route("**/api/time?*", async (route) => {
      if (++asked >= 2) saveAsked.open();
      await saveAsked.opened;
      await route.continue();
    });
    await openAdminSale(page, sale.id);
    await page.getByText("Edit this sale").click();
    const ends = page.getByLabel("Ends", { exact: true });
    await ends.fill(await localInput(page, Date.now() - 3_600_000));
    // Recorded inside the page: the read may be answered before a check from the test would look.
    const sawSaving = await watchFor(page, { selector: "button", text: /^Saving…$/ });
    expect(asked, "only the page's own read asked before the press").toBe(1);
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(ends).toHaveAccessibleDescription(/^End time has passed: saved, it would end the sale at once\./);
    await expect(page.getByRole("button", { name: "Save changes" })).toBeVisible();
    expect(await sawSaving(), "Saving… shown while the store's clock was read").toBeDefined();
    expect((await db`SELECT ends_at FROM sales WHERE id = ${sale.id}`)[0]!.ends_at).toEqual(before!.ends_at);
  });

  test("a save judged on the browser's clock because the store's did not answer leaves the next save to ask it again", async ({ page, createSale, db }) => {
    await page.clock.install({ time: Date.now() - 2 * 3_600_000 });
    const sale = await createSale({ stock: 40, startsInMs: -7_200_000, durationMs: 4 * 3_600_000 });
    // The store's clock out of reach while the form opens and the first save is pressed.
    let isClockReachable = false;
    let refused = 0;
    await page.route("**/api/time?*", (route) => (isClockReachable ? route.continue() : (refused++, route.abort("connectionrefused"))));
    await openAdminSale(page, sale.id);
    await page.getByText("Edit this sale").click();
    const ends = page.getByLabel("Ends", { exact: true });
    // Three hours from now for the store: saved on either clock.
    await ends.fill(await localInput(page, Date.now() + 3 * 3_600_000));
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByText("Saved.")).toBeVisible({ timeout: 10_000 });
    const [saved] = await db`SELECT ends_at FROM sales WHERE id = ${sale.id}`;
    // Back within reach while the page's own read waits out its last retry's delay (4 s after its
    // third try): the next save asks the store's clock at once, not behind that read.
    await expect.poll(() => refused, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);

    isClockReachable = true;
    // An hour ago for the store, an hour ahead on this computer's slow clock.
    await ends.fill(await localInput(page, Date.now() - 3_600_000));
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(ends).toHaveAccessibleDescription(/^End time has passed: saved, it would end the sale at once\./, { timeout: 10_000 });
    expect((await db`SELECT ends_at FROM sales WHERE id = ${sale.id}`)[0]!.ends_at).toEqual(saved!.ends_at);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("live");
  });

  test("a save pressed while the store's clock does not answer says Saving… for 2 s, then is judged on the browser's clock, focus left where the admin moved on to", async ({ page, createSale, db }) => {
    const sale = await createSale({ stock: 40, startsInMs: -3_600_000, durationMs: 4 * 3_600_000 });
    const [before] = await db`SELECT ends_at FROM sales WHERE id = ${sale.id}`;
    // The store's clock never answers on this page.
    await page.route("**/api/time?*", () => new Promise<void>(() => {}));
    await openAdminSale(page, sale.id);
    await page.getByText("Edit this sale").click();
    const ends = page.getByLabel("Ends", { exact: true });
    await ends.fill(await localInput(page, Date.now() - 3_600_000));
    await page.getByRole("button", { name: "Save changes" }).click();
    const pressedAt = Date.now();
    await expect(page.getByRole("button", { name: "Saving…" })).toBeVisible();
    // Meanwhile the admin goes on in Name.
    const name = page.getByLabel("Name", { exact: true });
    await name.click();
    await name.press("End");
    await name.pressSequentially(" tonight");
    await expect(ends).toHaveAccessibleDescription(/^End time has passed: saved, it would end the sale at once\./, { timeout: 10_000 });
    // Not given up on at once: the read had its 2 s (a lower bound, which a slow machine only lengthens).
    expect(Date.now() - pressedAt).toBeGreaterThanOrEqual(1500);
    await expect(page.getByRole("button", { name: "Save changes" })).toBeVisible();
    expect((await db`SELECT ends_at FROM sales WHERE id = ${sale.id}`)[0]!.ends_at).toEqual(before!.ends_at);
    // Typed wherever focus is now: still in Name, where the refusal did not pull it from.
    await page.keyboard.type(" only");
    await expect(name).toBeFocused();
    await expect(name).toHaveValue(`${sale.name} tonight only`);
    await page.unrouteAll({ behavior: "ignoreErrors" });
  });

  test("an edit with nothing changed says so and sends nothing, after a refused save too", async ({ page, createSale }) => {
    const sale = await createSale({ stock: 40 });
    await openAdminSale(page, sale.id);
    await page.getByText("Edit this sale").click();
    const stock = page.getByLabel("Stock (units)", { exact: true });
    const save = page.getByRole("button", { name: "Save changes" });
    const patches: string[] = [];
    page.on("request", (request) => {
      if (request.method() === "PATCH") patches.push(request.url());
    });
    // Live, so the stock cannot go down: refused by the server.
    await stock.fill("30");
    await save.click();
    await expect(page.getByTestId("stock-error")).toHaveText("Stock can only go up once the sale has started (it is 40).");
    expect(patches).toHaveLength(1);
    // Typed back as it was: the form has nothing to send, and says so in words, the old refusal gone.
    await stock.fill("40");
    await save.click();
    await expect(page.getByRole("status").filter({ hasText: "Nothing has changed." })).toBeVisible();
    await expect(page.getByTestId("stock-error")).toHaveText("");
    await expect(page.getByText("send at least one")).toHaveCount(0);
    expect(patches).toHaveLength(1);
    // A change after that is sent as usual.
    await stock.fill("45");
    await save.click();
    await expect(page.getByText("Saved.")).toBeVisible();
    await expect(page.getByText("Nothing has changed.")).toHaveCount(0);
    expect(patches).toHaveLength(2);
  });


  test("an empty field is required, and a price reads as a person types it in dollars", async ({ page, db }) => {
    await openAdmin(page);
    await page.goto("/admin/sales/new");
    const name = `Prices ${Date.now().toString(36)}`;
    await page.getByLabel("Name", { exact: true }).fill(name);
    const price = page.getByLabel("Price ($)", { exact: true });
    const original = page.getByLabel("Original price ($)", { exact: true });
    const stock = page.getByLabel("Stock (units)", { exact: true });
    const starts = page.getByLabel("Starts", { exact: true });
    const create = page.getByRole("button", { name: "Create sale" });
    const createRefused = async () => {
      const answered = page.waitForResponse((response) => response.url().endsWith("/api/admin/sales") && response.request().method() === "POST");
      await create.click();
      expect((await answered).status()).toBe(400);
      await expect(create).toBeVisible();
    };
    await price.fill("$19.99");
    await stock.fill("");
    const startsValue = await starts.inputValue();
    await starts.fill("");
    await create.click();
    await expect(page.getByTestId("originalPrice-error")).toHaveText("Original price is required.");
    await expect(page.getByTestId("stock-error")).toHaveText("Stock is required.");
    await expect(page.getByTestId("startsAt-error")).toHaveText("Start time is required.");
    await expect(page.getByTestId("price-error")).toHaveText("");
    await expect(original).toBeFocused();

    // What cannot be read as dollars is told how to type it. The form says so at once, and still sends
    // the rest for the server's rules; it takes no second Create while that save is on its way ("Saving…").
    await original.fill("12.345");
    await createRefused();
    await expect(page.getByTestId("originalPrice-error")).toHaveText("Enter a price like 19.99.");
    // A number below the least allowed is told that least, not how to type a number.
    await original.fill("-5");
    await stock.fill("-3");
    await createRefused();
    await expect(page.getByTestId("originalPrice-error")).toHaveText("Original price must be more than $0.");
    await expect(page.getByTestId("stock-error")).toHaveText("Stock must be at least 1.");

    await original.fill("1,299.50");
    await stock.fill("3");
    await starts.fill(startsValue);
    await create.click();
    await expect(page).toHaveURL(/\/admin\/sales\/[0-9a-f-]{36}$/);
    const [row] = await db<{ price_cents: number; original_price_cents: number }[]>`SELECT price_cents, original_price_cents FROM sales WHERE name = ${name}`;
    expect(row).toEqual({ price_cents: 1999, original_price_cents: 129950 });
  });

  test("the edit form says an emptied field is required", async ({ page, createSale }) => {
    const sale = await createSale({ startsInMs: 3600_000 });
    await openAdminSale(page, sale.id);
    await page.getByText("Edit this sale").click();
    await page.getByLabel("Stock (units)", { exact: true }).fill("");
    await page.getByLabel("Ends", { exact: true }).fill("");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByTestId("stock-error")).toHaveText("Stock is required.");
    await expect(page.getByTestId("endsAt-error")).toHaveText("End time is required.");
  });

  test("the sign-in asks for the password when it is sent empty, with focus back in the field", async ({ page }) => {
    await page.goto("/admin/login");
    const password = page.getByLabel("Password", { exact: true });
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "password" })).toHaveText("Enter the admin password.");
    await expect(password).toBeFocused();
    await expect(password).toHaveAccessibleDescription("Enter the admin password.");
  });

  test("a password typed before the sign-in page's scripts have run is kept, and signs in", async ({ page }) => {
    // The page's scripts held: the field is there, served with the page, before the form works.
    const held = gate();
    await page.route("**/_next/static/chunks/*.js", async (route) => {
      await held.opened;
      await route.fallback();
    });
    await page.goto("/admin/login?next=%2Fadmin%2Fdead-letters", { waitUntil: "commit" });
    await page.getByLabel("Password", { exact: true }).fill(process.env.E2E_ADMIN_PASSWORD!);
    // Sent now, the form would reload the page rather than sign in: it waits for the scripts.
    const signIn = page.getByRole("button", { name: "Sign in" });
    await expect(signIn).toBeDisabled();
    held.open();
    await signIn.click();
    await expect(page).toHaveURL(/\/admin\/dead-letters$/);
  });

  test("the sign-in says where the password comes from, the command set as code", async ({ page }) => {
    await page.goto("/admin/login");
    const hint = page.getByText("prints the password");
    await expect(hint).toHaveText("npm start prints the password (or set ADMIN_PASSWORD).");
    await expect(hint.locator("code").first()).toHaveText("npm start");
    await expect(hint).not.toContainText("`");
  });
});

test("an order's full id is one click away in the table, and Send change takes it", async ({ page, context, createSale, baseURL, db }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const sale = await createSale({ stock: 5 });
  const [orderId] = await completedOrders(baseURL, db, sale.id, 1, "copy-id");
  await openAdminSale(page, sale.id);
  const row = page.locator(`[data-testid="order-row"][data-order-id="${orderId}"]`);
  // The order number as the shopper's page shows it: the first 8 characters, in capitals.
  const number = orderId!.slice(0, 8).toUpperCase();
  await expect(row).toContainText(number);
  const copy = row.getByRole("button", { name: `Copy order id ${number}` });
  await expect(copy).toBeVisible();
  await copy.click();
  await expect(row.getByRole("status")).toHaveText("Copied");
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(orderId);

  const field = page.getByLabel("Order id", { exact: true });
  const send = page.getByRole("button", { name: "Send change" });
  const changes: string[] = [];
  page.on("request", (req) => {
    if (req.method() === "PUT" && /\/api\/admin\/orders\/[^/]+\/status$/.test(new URL(req.url()).pathname)) changes.push(new URL(req.url()).pathname);
  });
  // The short id alone names no order: the form says where the full one is, and sends nothing.
  await field.fill(orderId!.slice(0, 8));
  await send.click();
  await expect(page.getByRole("alert").filter({ hasText: "full order id" })).toContainText("Copy");
  expect(changes).toEqual([]);
  await field.fill("");
  await field.focus();
  await page.keyboard.press("ControlOrMeta+V");
  await expect(field).toHaveValue(orderId!);
  await send.click();
  await expect(page.getByText(/Sent as job/)).toBeVisible();
  expect(changes).toEqual([`/api/admin/orders/${orderId}/status`]);
  await expect(page.getByRole("alert").filter({ hasText: "full order id" })).toHaveCount(0);
  await expect.poll(async () => (await db`SELECT status FROM orders WHERE id = ${orderId!}`)[0]!.status).toBe("shipped");

  // Searched for as a shopper quotes it, # and all.
  await page.getByLabel("Search", { exact: true }).fill(`#${number}`);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByTestId("order-row")).toHaveCount(1);
  await expect(row).toBeVisible();
});

test("Send change with the status cancelled asks first, as the row's Cancel does: Keep and Escape send nothing, Yes cancels the order", async ({ page, createSale, baseURL, db }) => {
  const sale = await createSale({ stock: 5 });
  const [orderId, otherId] = await completedOrders(baseURL, db, sale.id, 2, "send-cancel");
  await openAdminSale(page, sale.id);
  const changes: string[] = [];
  page.on("request", (req) => {
    if (req.method() === "PUT" && /\/api\/admin\/orders\/[^/]+\/status$/.test(new URL(req.url()).pathname)) changes.push(req.postData() ?? "");
  });
  const form = page.getByRole("form", { name: "Change an order by id" });
  await form.getByLabel("Order id").fill(orderId!);
  await form.getByLabel("New status").selectOption("cancelled");
  await form.getByRole("button", { name: "Send change" }).click();
  // The question takes the button's place, with focus; Keep goes back, sending nothing.
  const yes = form.getByRole("button", { name: "Yes, cancel the order" });
  await expect(yes).toBeFocused();
  await form.getByRole("button", { name: "Keep" }).click();
  await expect(form.getByRole("button", { name: "Send change" })).toBeFocused();
  // Escape is Keep too.
  await form.getByRole("button", { name: "Send change" }).click();
  await expect(yes).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(yes).toHaveCount(0);
  await expect(form.getByRole("button", { name: "Send change" })).toBeFocused();
  await form.getByRole("button", { name: "Send change" }).click();
  await page.waitForTimeout(500);
  expect(changes).toEqual([]);
  expect((await db`SELECT status FROM orders WHERE id = ${orderId!}`)[0]!.status).toBe("completed");

  await yes.click();
  await expect(form.getByRole("status")).toContainText("Sent as job");
  await expect(form.getByRole("button", { name: "Send change" })).toBeFocused();
  expect(changes).toHaveLength(1);
  expect(JSON.parse(changes[0]!)).toMatchObject({ status: "cancelled" });
  await expect.poll(async () => (await db`SELECT status FROM orders WHERE id = ${orderId!}`)[0]!.status).toBe("cancelled");
  // Another order typed: the note about the change sent goes, as it would read as about this one; so it
  // does when only the status changes.
  await form.getByLabel("Order id").fill(otherId!);
  await expect(form.getByRole("status")).toHaveCount(0);
  await form.getByLabel("Order id").fill(orderId!);
  await expect(form.getByRole("status")).toContainText("Sent as job");
  await form.getByLabel("New status").selectOption("shipped");
  await expect(form.getByRole("status")).toHaveCount(0);
  // Shipping, the store's everyday work, is sent at once.
  await form.getByLabel("Order id").fill(otherId!);
  await form.getByRole("button", { name: "Send change" }).click();
  await expect(form.getByRole("status")).toContainText("Sent as job");
  await expect.poll(async () => (await db`SELECT status FROM orders WHERE id = ${otherId!}`)[0]!.status).toBe("shipped");
  expect(changes).toHaveLength(2);
});

test("where the browser will not copy, the table shows the order's full id instead", async ({ page, createSale, baseURL, db }) => {
  // As over plain HTTP on another host: no clipboard to write to.
  await page.addInitScript(() => Object.defineProperty(navigator, "clipboard", { value: undefined }));
  const sale = await createSale({ stock: 5 });
  const [orderId] = await completedOrders(baseURL, db, sale.id, 1, "copy-refused");
  await openAdminSale(page, sale.id);
  const row = page.locator(`[data-testid="order-row"][data-order-id="${orderId}"]`);
  await expect(row).not.toContainText(orderId!);
  const number = orderId!.slice(0, 8).toUpperCase();
  await row.getByRole("button", { name: `Copy order id ${number}` }).click();
  await expect(row.getByRole("status")).toHaveText("Copy the id from the field");
  // A field a keyboard user reaches too, holding the whole id, selected as it gets focus.
  const full = row.getByRole("textbox", { name: `Full order id ${number}` });
  await expect(full).toHaveValue(orderId!);
  await full.focus();
  expect(await full.evaluate((input: HTMLInputElement) => input.value.slice(input.selectionStart ?? 0, input.selectionEnd ?? 0))).toBe(orderId);
});

test("the orders table's filter, search and Send change wait for the page's scripts, then work", async ({ page, createSale, baseURL, db }) => {
  const sale = await createSale({ stock: 3 });
  const [orderId] = await completedOrders(baseURL, db, sale.id, 1, "early");
  await openAdmin(page);
  // The page's scripts held: what it was served with is on screen before it works.
  const held = gate();
  await page.route("**/_next/static/chunks/*.js", async (route) => {
    await held.opened;
    await route.fallback();
  });
  await page.goto(`/admin/sales/${sale.id}`, { waitUntil: "commit" });
  const controls = [
    page.getByRole("combobox", { name: "Status", exact: true }),
    page.getByLabel("Search", { exact: true }),
    page.getByRole("button", { name: "Search", exact: true }),
    page.getByLabel("Order id", { exact: true }),
    page.getByRole("combobox", { name: "New status", exact: true }),
    page.getByRole("button", { name: "Send change" }),
  ];
  // Typed or chosen now, it would show in the field and never reach the table.
  for (const control of controls) await expect(control).toBeDisabled();
  held.open();
  for (const control of controls) await expect(control).toBeEnabled();
  await page.getByLabel("Search", { exact: true }).fill(`#${orderId!.slice(0, 8)}`);
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByTestId("order-row")).toHaveCount(1);
  await expect(page.locator(`[data-testid="order-row"][data-order-id="${orderId}"]`)).toBeVisible();
});

test.describe("a save slow to come back", () => {
  test("a created sale's form takes no second Create while the sale's page loads: one sale", async ({ page, db }) => {
    await openAdmin(page);
    await page.goto("/admin/sales/new");
    const name = `Once ${Date.now().toString(36)}`;
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Price ($)", { exact: true }).fill("10");
    await page.getByLabel("Original price ($)", { exact: true }).fill("20");
    // The new sale's page held on its way, as on a busy server: the form stays on screen meanwhile.
    const held = gate();
    await page.route(/\/admin\/sales\/[0-9a-f-]{36}(\?|$)/, async (route) => {
      await held.opened;
      await route.fallback();
    });
    const created = page.waitForResponse((response) => response.url().endsWith("/api/admin/sales") && response.request().method() === "POST");
    await page.getByRole("button", { name: "Create sale" }).click();
    expect((await created).status()).toBe(201);
    const button = page.getByRole("button", { name: "Created: opening the sale…" });
    await expect(button).toHaveAttribute("aria-disabled", "true");
    // Pressed again, as an admin who saw nothing happen would (aria-disabled keeps it pressable and in
    // the keyboard's reach; Playwright's own wait would hold a click on it).
    await button.click({ force: true });
    await page.keyboard.press("Enter");
    held.open();
    await expect(page).toHaveURL(/\/admin\/sales\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { level: 1 })).toContainText(name);
    const [row] = await db<{ count: number }[]>`SELECT count(*)::int AS count FROM sales WHERE name = ${name}`;
    expect(row!.count).toBe(1);
  });

  test("what the admin types while an edit's save is on its way stays, to be saved in turn", async ({ page, createSale }) => {
    const sale = await createSale({ startsInMs: 3600_000, stock: 30 });
    await openAdminSale(page, sale.id);
    await page.getByText("Edit this sale").click();
    const stock = page.getByLabel("Stock (units)", { exact: true });
    const description = page.getByLabel("Description", { exact: true });
    await stock.fill("45");
    // The save held on its way while the admin goes on to the description.
    const held = gate();
    const sent = gate();
    await page.route(`**/api/admin/sales/${sale.id}`, async (route) => {
      if (route.request().method() !== "PATCH") return route.fallback();
      sent.open();
      await held.opened;
      await route.fallback();
    });
    await page.getByRole("button", { name: "Save changes" }).click();
    await sent.opened;
    await description.fill("Now with a case.");
    held.open();
    await expect(page.getByRole("button", { name: "Save changes" })).toBeVisible();
    await expect(stock).toHaveValue("45");
    await expect(description).toHaveValue("Now with a case.");
    // Not "Saved.": the description is not, yet. Saved in turn, it is.
    await expect(page.getByText("Saved.")).toHaveCount(0);
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByText("Saved.")).toBeVisible();
    await page.reload();
    await page.getByText("Edit this sale").click();
    await expect(page.getByLabel("Description", { exact: true })).toHaveValue("Now with a case.");
    await expect(page.getByLabel("Stock (units)", { exact: true })).toHaveValue("45");
  });
});
