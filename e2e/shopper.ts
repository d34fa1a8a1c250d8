import { request as playwrightRequest, type Locator, type Page, type Route } from "@playwright/test";
import type postgres from "postgres";
import { measureOffset } from "../components/clock";
import { expect, shopperEmail } from "./fixtures";

/** Signs the page's browser context in through the API (the cookie jar is shared with the page). */
export async function signInByApi(page: Page, tag: string): Promise<{ id: string; email: string }> {
  const res = await page.request.post("/api/session", { data: { email: shopperEmail(tag) } });
  expect(res.status()).toBe(200);
  return (await res.json()).user;
}

/** Signs in through the sale page's inline form, as a shopper would. */
export async function signInInline(page: Page, tag: string): Promise<string> {
  const email = shopperEmail(tag);
  await page.getByLabel(/sign in with your email/i).fill(email);
  await page.getByRole("button", { name: "Sign in" }).click();
  return email;
}

/** A shopper of their own (`tag`) signs in and presses Buy through the API, as another browser would: the Buy's HTTP status. */
export async function buyAsAnotherShopper(baseURL: string | undefined, saleId: string, tag: string): Promise<number> {
  const shopper = await playwrightRequest.newContext({ baseURL });
  try {
    expect((await shopper.post("/api/session", { data: { email: shopperEmail(tag) } })).status()).toBe(200);
    return (await shopper.post(`/api/sales/${saleId}/orders`)).status();
  } finally {
    await shopper.dispose();
  }
}

/** `count` shoppers of their own (`tag`) each place an order in the sale; waits until the worker has completed them all, and gives their ids in arrival order. */
export async function completedOrders(baseURL: string | undefined, db: postgres.Sql, saleId: string, count: number, tag: string): Promise<string[]> {
  for (let i = 0; i < count; i++) expect(await buyAsAnotherShopper(baseURL, saleId, `${tag}-${i}`)).toBe(202);
  await expect.poll(async () => (await db`SELECT count(*)::int AS n FROM orders WHERE sale_id = ${saleId} AND status = 'completed'`)[0]!.n).toBe(count);
  return (await db<{ id: string }[]>`SELECT id FROM orders WHERE sale_id = ${saleId} ORDER BY seq`).map((row) => row.id);
}

/** Signs the admin in on the sign-in page the browser was sent to. */
export async function signInAsAdmin(page: Page): Promise<void> {
  await page.getByLabel("Password", { exact: true }).fill(process.env.E2E_ADMIN_PASSWORD!);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Opens a sale's admin page, signing in on the way (the page asks first). */
export async function openAdminSale(page: Page, saleId: string): Promise<void> {
  await page.goto(`/admin/sales/${saleId}`);
  await signInAsAdmin(page);
}

/**
 * Sends a change for an order that does not exist (`tag`, four hex digits, and `n` mark its id), as a
 * signed-in admin: it becomes a dead letter after its retries, about 7 s later. Gives that order id.
 */
export async function sendDoomedChange(page: Page, tag: string, n = 0): Promise<string> {
  const missing = `00000000-${tag}-4000-8${String(n % 1000).padStart(3, "0")}-` + Date.now().toString(16).padStart(12, "0").slice(-12);
  expect((await page.request.put(`/api/admin/orders/${missing}/status`, { data: { status: "shipped" } })).status()).toBe(202);
  return missing;
}

/** The dead letters page's row for the change sent for `orderId`. */
export function deadLetterRow(page: Page, orderId: string): Locator {
  return page.locator(`[data-testid="dead-letter-row"][data-order-id="${orderId}"]`);
}

/**
 * `count` dead letters made for the test at once (`sendDoomedChange`). Opens the dead letters page once
 * all are listed; gives their order ids and rows, in the order sent.
 */
export async function openNewDeadLetters(page: Page, tag: string, count: number): Promise<{ missing: string; row: Locator }[]> {
  const sent = await Promise.all(Array.from({ length: count }, (_, n) => sendDoomedChange(page, tag, n)));
  await page.goto("/admin/dead-letters");
  const made = sent.map((missing) => ({ missing, row: deadLetterRow(page, missing) }));
  for (const { row } of made) await expect(row).toBeVisible({ timeout: 45_000 });
  return made;
}

/** One dead letter made for the test (`openNewDeadLetters`). */
export async function openNewDeadLetter(page: Page, tag: string): Promise<{ missing: string; row: Locator }> {
  const [made] = await openNewDeadLetters(page, tag, 1);
  return made!;
}

/** Opens the admin's dashboard (`/admin`) signed in. */
export async function openAdmin(page: Page): Promise<void> {
  await page.goto("/admin");
  await signInAsAdmin(page);
  await expect(page).toHaveURL(/\/admin$/);
}

/**
 * Opens `path` while a table its server-side read needs is held: the page shows its error view at the
 * request deadline (8 s), well inside 15 s.
 */
export async function expectCouldNotLoad(page: Page, path: string): Promise<void> {
  const startedAt = Date.now();
  await page.goto(path, { timeout: 20_000 });
  await expect(page.getByRole("heading", { name: "This page couldn't be loaded" })).toBeVisible();
  expect(Date.now() - startedAt).toBeLessThan(15_000);
}

export function buyButton(page: Page) {
  return page.getByRole("button", { name: /buy now|opens|placing|waiting to retry/i });
}

/**
 * How far the page's clock is ahead of the test's, measured as the app's pages measure the server's
 * (`measureOffset`: the quickest of up to three round trips, here into the page). A clock a test
 * installs with `page.clock.install({ time: Date.now() + skew })` starts from `time` only once
 * Playwright has set the clock up, a moment after `Date.now()` was read: on a loaded machine the page's
 * clock then runs up to half a second behind the skew asked for, and a moment recorded on it must be
 * read with the skew it really has.
 */
export async function pageClockSkew(page: Page): Promise<number> {
  return (await measureOffset({ askServer: () => page.evaluate(() => Date.now()) })).offset;
}

/** A moment recorded in the page (`watchFor`), in milliseconds from `reference`, for a failure's message. */
export function msFrom(reference: number, at: number | undefined): string {
  return at === undefined ? "never" : `${at - reference} ms`;
}

/** Something a shopper would see: an element matching `selector` whose text matches `text` (and, with `enabled`, not disabled). */
export type Sight = { selector: string; text: RegExp; enabled?: boolean };

/**
 * Records, inside the page, the first moment `sight` is on screen: a MutationObserver sees a state that
 * lasts a single frame, which polling from the test could miss or see late. Call before the moment. The
 * returned function gives it on the page's clock minus `skewMs` (how far the page's clock is ahead of
 * the server's, as `pageClockSkew` measures it), or undefined if it has not been seen.
 */
export async function watchFor(page: Page, sight: Sight, skewMs = 0): Promise<() => Promise<number | undefined>> {
  const key = `${sight.selector} ${sight.text} ${sight.enabled ?? false}`;
  await page.evaluate(
    ({ key, selector, source, flags, enabled }) => {
      const w = window as unknown as { seenAt?: Record<string, number> };
      const seenAt = (w.seenAt ??= {});
      const text = new RegExp(source, flags);
      const check = () => {
        if (seenAt[key] !== undefined) return;
        const shown = [...document.querySelectorAll(selector)].some((el) => text.test(el.textContent ?? "") && !(enabled && (el as HTMLButtonElement).disabled));
        if (shown) seenAt[key] = Date.now();
      };
      new MutationObserver(check).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
      check();
    },
    { key, selector: sight.selector, source: sight.text.source, flags: sight.text.flags, enabled: sight.enabled ?? false },
  );
  return async () => {
    const at = await page.evaluate((key) => (window as unknown as { seenAt?: Record<string, number> }).seenAt?.[key], key);
    return at === undefined ? undefined : at - skewMs;
  };
}

/**
 * A gate the test opens: `opened` settles once `open()` is called. A route that awaits it holds a
 * request on its way (a busy server, a slow network) while the test does what it must meanwhile; a
 * route or listener that opens it tells the test that a request has gone.
 */
export function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/**
 * The real answer to a routed GET, for a route that changes it or holds it. Fetched by the test over
 * a connection of its own that is kept open between fetches; the server closes one left idle for its
 * keep-alive time, and a fetch sent on it just then is reset. A browser sends such a request again by
 * itself, so this does once too (a GET, safe to repeat).
 */
export function fetchAnswer(route: Route) {
  if (route.request().method() !== "GET") throw new Error(`fetchAnswer is for GETs, not ${route.request().method()} ${route.request().url()}`);
  return route.fetch({ maxRetries: 1 });
}

/** Holds the page's Buy POSTs for a sale until the returned `release` is called, so the in-flight
 * state ("Placing…") can be seen and measured. */
export async function holdBuys(page: Page, saleId: string): Promise<() => void> {
  const held = gate();
  await page.route(`**/api/sales/${saleId}/orders`, async (route) => {
    await held.opened;
    await route.continue();
  });
  return held.open;
}

/** The order card on the page: its data-status is the order's status. */
export function orderStatus(page: Page) {
  return page.getByTestId("order-status");
}

/** Counts the POSTs the page sends to buy in a sale, with the Idempotency-Key each carried. */
export function watchBuys(page: Page, saleId: string): { keys: (string | undefined)[] } {
  const seen = { keys: [] as (string | undefined)[] };
  page.on("request", (req) => {
    if (req.method() === "POST" && new URL(req.url()).pathname === `/api/sales/${saleId}/orders`) {
      seen.keys.push(req.headers()["idempotency-key"]);
    }
  });
  return seen;
}

export async function ordersInSale(db: postgres.Sql, saleId: string) {
  return db<{ status: string; user_id: string; failure_reason: string | null }[]>`
    SELECT status, user_id, failure_reason FROM orders WHERE sale_id = ${saleId} ORDER BY seq`;
}

export async function saleRow(db: postgres.Sql, saleId: string) {
  const [row] = await db<{ stock: number; remaining: number }[]>`SELECT stock, remaining FROM sales WHERE id = ${saleId}`;
  return row!;
}

/**
 * Marks the page now loaded, so a test can tell later that what it saw happened in this same page and
 * not after a reload (a reload, or a navigation back to the same URL, loses the mark).
 */
export async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { marker: boolean }).marker = true));
}

/** Whether the page is still the one `markPage` marked. */
export function isSamePage(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { marker?: boolean }).marker === true);
}
