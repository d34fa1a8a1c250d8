import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { buyButton, holdBuys, orderStatus, signInByApi } from "./shopper";

/** Serious or critical axe violations on the page, as readable lines. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

for (const colorScheme of ["light", "dark"] as const) {
  test(`axe finds no serious or critical violations on home, sale and order pages (${colorScheme})`, async ({ page, createSale }, testInfo) => {
    await page.emulateMedia({ colorScheme });
    const sale = await createSale({ name: `Studio Headphones ${Date.now().toString(36)}`, stock: 4 });
    await createSale({ startsInMs: 3600_000 });

    await page.goto("/");
    await expect(page.getByTestId("sale-card").first()).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);

    await page.goto(`/sales/${sale.id}`);
    await expect(page.getByLabel(/sign in with your email/i)).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);

    await signInByApi(page, `axe-${colorScheme}`);
    await page.reload();
    await buyButton(page).click();
    await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: testInfo.outputPath(`sale-${colorScheme}.png`), fullPage: true });

    await page.getByRole("link", { name: "View order" }).click();
    await expect(page.getByRole("heading", { name: "Your order" })).toBeVisible();
    await expect(orderStatus(page)).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);

    await page.goto("/orders");
    await expect(page.getByTestId("order-row").first()).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });
}

test("every step can be done from the keyboard, with a visible focus ring", async ({ page, createSale }) => {
  const sale = await createSale({ stock: 3 });
  await page.goto(`/sales/${sale.id}`);
  const email = page.getByLabel(/sign in with your email/i);
  await expect(email).toBeVisible();

  // Tab from the top of the page until the email field has focus.
  for (let i = 0; i < 10 && !(await email.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press("Tab");
  await expect(email).toBeFocused();
  await page.keyboard.type(`keys-${Date.now()}@example.com`);
  await page.keyboard.press("Tab");
  await expect(page.getByRole("button", { name: "Sign in" })).toBeFocused();
  await page.keyboard.press("Enter");

  await expect(buyButton(page)).toBeEnabled();
  for (let i = 0; i < 10 && !(await buyButton(page).evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press("Tab");
  await expect(buyButton(page)).toBeFocused();
  const outline = await buyButton(page).evaluate((el) => getComputedStyle(el).outlineStyle + " " + getComputedStyle(el).outlineWidth);
  expect(outline).toBe("solid 3px");
  await page.keyboard.press("Enter");
  await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
});

test("the Buy area keeps its size as the button changes state", async ({ page, createSale }) => {
  // Signed in first, and the sale far enough ahead, that the page shows the countdown even on a loaded
  // machine (load, hydration).
  await signInByApi(page, "steady");
  const sale = await createSale({ startsInMs: 12_000, stock: 3 });
  await page.goto(`/sales/${sale.id}`);
  const panel = page.getByRole("region", { name: "Buy" });
  await expect(buyButton(page)).toHaveText(/Opens in/);
  const box = async () => ({ button: await buyButton(page).boundingBox(), panel: await panel.boundingBox() });
  const before = await box();

  await expect(buyButton(page)).toHaveText(/Buy now/, { timeout: 20_000 });
  expect(await box()).toEqual(before);

  const release = await holdBuys(page, sale.id);
  await buyButton(page).click();
  await expect(buyButton(page)).toHaveText("Placing…");
  expect(await box()).toEqual(before);
  release();
  await expect(orderStatus(page)).toBeVisible();
  expect((await panel.boundingBox())?.height).toBe(before.panel?.height);
});

// Each state is loaded once and measured at every width, the window resized between: the layout is
// CSS alone, so a resize lays the page out as a load at that width would, for a sixth of the loads.
test("at 320, 390, 640, 768, 1024 and 1280 px wide, the Buy area keeps one height: Buy, in line, confirmed, cancelled, not filled", async ({ page, createSale, db }) => {
  const widths = [320, 390, 640, 768, 1024, 1280];
  const sale = await createSale({ stock: 5 });
  const panel = page.getByRole("region", { name: "Buy" });
  /** The Buy area's height at each width, in order. */
  const heights = async () => {
    const out: number[] = [];
    for (const width of widths) {
      await page.setViewportSize({ width, height: 800 });
      out.push((await panel.boundingBox())!.height);
    }
    return out;
  };
  const me = await signInByApi(page, "steady");
  await page.goto(`/sales/${sale.id}`);
  await expect(buyButton(page)).toBeEnabled();
  const buyHeights = await heights();
  const expectSame = async (state: string) => {
    const seen = await heights();
    for (const [i, width] of widths.entries()) expect(seen[i], `${state}, ${width} px wide`).toBe(buyHeights[i]);
  };

  // Shoppers ahead in line and this shopper's own order, pending: rows only, no jobs, so they wait
  // (and are settled below, so no order is left pending without a job).
  const ahead = await db<{ id: string }[]>`
    INSERT INTO users (email) VALUES (${`ahead-1-${sale.id}@example.com`}), (${`ahead-2-${sale.id}@example.com`}) RETURNING id`;
  for (const other of ahead) await db`INSERT INTO orders (id, sale_id, user_id) VALUES (gen_random_uuid(), ${sale.id}, ${other.id})`;
  const [mine] = await db<{ id: string }[]>`INSERT INTO orders (id, sale_id, user_id) VALUES (gen_random_uuid(), ${sale.id}, ${me.id}) RETURNING id`;
  try {
    await page.reload();
    await expect(page.getByTestId("position")).toHaveText("2 orders ahead of you");
    await expectSame("in line");

    await db`UPDATE orders SET status = 'completed', updated_at = now() WHERE id = ${mine!.id}`;
    await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
    await expectSame("confirmed");

    await db`UPDATE orders SET status = 'cancelled', updated_at = now() WHERE id = ${mine!.id}`;
    await page.reload();
    await expect(orderStatus(page)).toHaveAttribute("data-status", "cancelled");
    await expectSame("cancelled");

    // Not filled, for each reason the page explains (the longest message included).
    for (const reason of ["sold_out", "sale_ended", "allocation_failed"]) {
      await db`UPDATE orders SET status = 'failed', failure_reason = ${reason}, updated_at = now() WHERE id = ${mine!.id}`;
      await page.reload();
      await expect(orderStatus(page)).toHaveAttribute("data-status", "failed");
      await expectSame(`not filled: ${reason}`);
    }
  } finally {
    await db`UPDATE orders SET status = 'failed', failure_reason = 'sold_out', updated_at = now() WHERE sale_id = ${sale.id} AND status = 'pending'`;
  }
});

test("a shopper who asks for reduced motion sees the Buy area's placeholder and a waiting order's spinner stand still; others see them move", async ({ page, createSale, db }) => {
  const sale = await createSale({ stock: 5 });
  const me = await signInByApi(page, "motion");
  // This shopper's order, pending with no job, so it waits in line with its spinner (settled below).
  const [mine] = await db<{ id: string }[]>`INSERT INTO orders (id, sale_id, user_id) VALUES (gen_random_uuid(), ${sale.id}, ${me.id}) RETURNING id`;
  // The page's look-up of the shopper's order in this sale, held so the placeholder stays on screen.
  const held: (() => void)[] = [];
  await page.route(`**/api/orders?saleId=${sale.id}`, async (route) => {
    await new Promise<void>((resolve) => held.push(resolve));
    await route.continue().catch(() => {}); // its page may have gone meanwhile
  });
  const panel = page.getByRole("region", { name: "Buy" });
  const expectMotion = async (what: string, reducedMotion: "no-preference" | "reduce") => {
    const moving = await panel.evaluate((el) => el.getAnimations({ subtree: true }).filter((a) => a.playState === "running").length);
    if (reducedMotion === "reduce") expect(moving, `${what}, reduced motion`).toBe(0);
    else expect(moving, what).toBeGreaterThan(0);
  };
  try {
    for (const reducedMotion of ["no-preference", "reduce"] as const) {
      await page.emulateMedia({ reducedMotion });
      held.splice(0).forEach((release) => release()); // any look-up of the page before
      await page.goto(`/sales/${sale.id}`);
      await expect(panel.locator("[aria-hidden].animate-pulse")).toBeVisible();
      await expect.poll(() => held.length, "the look-up waiting").toBeGreaterThan(0);
      await expectMotion("placeholder", reducedMotion);
      held.splice(0).forEach((release) => release());
      await expect(page.getByTestId("position")).toHaveText("You're next");
      await expect(orderStatus(page)).toHaveAttribute("data-status", "pending");
      await expectMotion("spinner", reducedMotion);
    }
  } finally {
    await db`UPDATE orders SET status = 'failed', failure_reason = 'sold_out', updated_at = now() WHERE id = ${mine!.id}`;
  }
});

test("in forced colours (Windows High Contrast) the Sign in and Buy buttons keep an outline and the stock bar its fill; with reduced motion the bar does not slide", async ({ page, createSale }) => {
  const sale = await createSale({ stock: 4 });
  await page.emulateMedia({ forcedColors: "active", reducedMotion: "reduce" });
  await page.goto(`/sales/${sale.id}`);
  const borderOf = (button: ReturnType<Page["locator"]>) => button.evaluate((el) => parseFloat(getComputedStyle(el).borderTopWidth));
  expect(await borderOf(page.getByRole("button", { name: "Sign in" }))).toBeGreaterThan(0);
  const bar = page.getByRole("progressbar", { name: "Units left" });
  const [track, fill] = await bar.evaluate((el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el.firstElementChild!).backgroundColor]);
  expect(fill).not.toBe(track);
  expect(await bar.evaluate((el) => parseFloat(getComputedStyle(el).borderTopWidth))).toBeGreaterThan(0);
  expect(await bar.evaluate((el) => getComputedStyle(el.firstElementChild!).transitionProperty)).toBe("none");
  await signInByApi(page, "forced-colours");
  await page.reload();
  expect(await borderOf(buyButton(page))).toBeGreaterThan(0);
});

test("an address longer than an email address can be is told so, not that it does not look like one", async ({ page, createSale }) => {
  const sale = await createSale();
  await page.goto(`/sales/${sale.id}`);
  // 259 characters, each part within its own limit (the browser checks those before sending).
  const email = `${"a".repeat(64)}@${["b", "c", "d"].map((c) => c.repeat(60)).join(".")}.example.com`;
  expect(email).toHaveLength(259);
  await page.getByLabel(/sign in with your email/i).fill(email);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "address" })).toHaveText("That address is longer than an email address can be (254 characters at most).");
});

test("on a wide screen the product's picture keeps its own height beside a long name and description", async ({ page, createSale, db }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  const sale = await createSale({ name: `A product whose name runs on over several lines of the page's right-hand column ${Date.now().toString(36)}`, stock: 4 });
  const description = "A description long enough to make the column beside the picture taller than the picture itself. ".repeat(6);
  await db`UPDATE sales SET description = ${description} WHERE id = ${sale.id}`;
  await page.goto(`/sales/${sale.id}`);
  const card = (await page.getByTestId("sale-picture").boundingBox())!;
  const picture = (await page.getByTestId("sale-picture").getByRole("img").boundingBox())!;
  // No empty band of the card below the picture.
  expect(Math.abs(card.height - picture.height)).toBeLessThanOrEqual(1);
});

test.describe("on a 375 px phone", () => {
  test.use({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });

  test("home, sale and order pages fit the screen and Buy works", async ({ page, createSale }, testInfo) => {
    const sale = await createSale({ name: `Everyday Tote Bag with a rather long product name ${Date.now().toString(36)}`, stock: 6 });
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

    await page.goto("/");
    await expect(page.getByTestId("sale-card").first()).toBeVisible();
    expect(await fits()).toBe(true);
    await page.screenshot({ path: testInfo.outputPath("mobile-home.png") });

    await page.goto(`/sales/${sale.id}`);
    // The email field is as comfortable a touch target as the button under it.
    const field = (await page.getByLabel(/sign in with your email/i).boundingBox())!;
    expect(field.height).toBeGreaterThanOrEqual(44);
    expect(field.height).toBe((await page.getByRole("button", { name: "Sign in" }).boundingBox())!.height);
    await page.getByLabel(/sign in with your email/i).fill(`phone-${Date.now()}@example.com`);
    await page.getByRole("button", { name: "Sign in" }).tap();
    await expect(buyButton(page)).toBeEnabled();
    expect(await fits()).toBe(true);
    const button = (await buyButton(page).boundingBox())!;
    expect(button.x).toBeGreaterThanOrEqual(0);
    expect(button.x + button.width).toBeLessThanOrEqual(375);
    expect(button.height).toBeGreaterThanOrEqual(44); // a comfortable touch target
    await page.screenshot({ path: testInfo.outputPath("mobile-sale.png"), fullPage: true });

    await buyButton(page).tap();
    await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
    expect(await fits()).toBe(true);
    await page.screenshot({ path: testInfo.outputPath("mobile-confirmed.png"), fullPage: true });

    await page.getByRole("link", { name: "My orders" }).tap();
    await expect(page.getByTestId("order-row").filter({ hasText: sale.name })).toContainText("Confirmed");
    expect(await fits()).toBe(true);
    await page.getByTestId("order-row").filter({ hasText: sale.name }).tap();
    await expect(page.getByRole("heading", { name: "Your order" })).toBeVisible();
    await expect(page.getByTestId("order-status")).toContainText("Confirmed");
    expect(await fits()).toBe(true);
    await page.screenshot({ path: testInfo.outputPath("mobile-order.png"), fullPage: true });
  });

  test("on a small phone's first screen (375 × 667), a live sale's sign-in and then its Buy button are in view without scrolling", async ({ page, createSale }, testInfo) => {
    await page.setViewportSize({ width: 375, height: 667 });
    const sale = await createSale({ name: `Noise-cancelling Headphones, limited edition ${Date.now().toString(36)}`, stock: 5 });
    await page.goto(`/sales/${sale.id}`);
    const email = page.getByLabel(/sign in with your email/i);
    await expect(email).toBeInViewport({ ratio: 1 });
    await expect(page.getByRole("button", { name: "Sign in" })).toBeInViewport({ ratio: 1 });
    await email.fill(`first-screen-${Date.now()}@example.com`);
    await page.getByRole("button", { name: "Sign in" }).tap();
    await expect(buyButton(page)).toBeEnabled();
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    await expect(buyButton(page)).toBeInViewport({ ratio: 1 });
    // The price and the product stay on that screen too: the shopper sees what they are buying.
    await expect(page.getByTestId("price")).toBeInViewport({ ratio: 1 });
    await expect(page.getByRole("heading", { level: 1 })).toBeInViewport();
    // Its picture, a thumbnail here, paints its own colours: a gradient defined in the large picture's
    // copy, hidden on a phone, would paint nothing.
    const picture = page.getByRole("img", { name: /^Picture of Noise-cancelling/ });
    await expect(picture).toBeInViewport({ ratio: 1 });
    const paintsOwnGradient = await picture.evaluate((svg) => {
      const ref = /url\(#([^)]+)\)/.exec(svg.querySelector("rect")?.getAttribute("fill") ?? "")?.[1];
      // A reference resolves to the document's first element of that id: it must be this picture's own.
      return ref !== undefined && svg.ownerDocument.querySelector(`[id="${ref}"]`) === svg.querySelector(`linearGradient[id="${ref}"]`);
    });
    expect(paintsOwnGradient).toBe(true);
    await page.screenshot({ path: testInfo.outputPath("first-screen.png") });
  });

  test("on a small phone, a long description shows three lines and More, so sign-in stays on the first screen; More shows it whole; wide, it is whole", async ({ page, createSale }) => {
    await page.setViewportSize({ width: 375, height: 667 });
    const specs = Array.from({ length: 40 }, (_, i) => `Feature ${i + 1}: a line of the product's specification sheet.`).join("\n");
    const sale = await createSale({ description: specs });
    await page.goto(`/sales/${sale.id}`);
    await expect(page.getByLabel(/sign in with your email/i)).toBeInViewport({ ratio: 1 });
    const description = page.getByText("Feature 1:");
    const more = page.getByRole("button", { name: "More" });
    await expect(more).toHaveAttribute("aria-expanded", "false");
    const cut = (await description.boundingBox())!.height;
    await more.tap();
    await expect(page.getByRole("button", { name: "Less" })).toHaveAttribute("aria-expanded", "true");
    expect((await description.boundingBox())!.height).toBeGreaterThan(cut * 10);
    await expect(page.getByText("Feature 40:", { exact: false })).toBeVisible();
    // Short, there is nothing more to show.
    const short = await createSale({ description: "Two lines.\nNo more." });
    await page.goto(`/sales/${short.id}`);
    await expect(page.getByText("Two lines.")).toBeVisible();
    await expect(page.getByRole("button", { name: "More" })).toHaveCount(0);
    // From a tablet up the Buy area is beside the picture: the long one whole, no button.
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.goto(`/sales/${sale.id}`);
    await expect(page.getByText("Feature 40:", { exact: false })).toBeVisible();
    await expect(page.getByRole("button", { name: "More" })).toHaveCount(0);
  });

  test("a long address and long words in a sale's name and description wrap on a 320 px screen rather than widen a page", async ({ page, createSale }) => {
    await page.setViewportSize({ width: 320, height: 640 });
    // Words no line can hold: a name without spaces, a link in the description.
    const sale = await createSale({
      name: `Pneumonoultramicroscopicsilicovolcanoconiosis${Date.now().toString(36)}Supercalifragilisticexpialidocious`,
      description: `Specifications: https://example.com/products/${"x".repeat(120)}`,
      stock: 3,
    });
    const width = () => page.evaluate(() => document.documentElement.scrollWidth);
    await page.goto(`/sales/${sale.id}`);
    const email = `christopher.montgomery.${Date.now().toString(36)}@universityhospital.example.org`;
    await page.getByLabel(/sign in with your email/i).fill(email);
    await page.getByRole("button", { name: "Sign in" }).tap();
    await expect(page.getByTestId("buy-panel")).toContainText(email);
    expect(await width()).toBeLessThanOrEqual(320);
    const button = (await buyButton(page).boundingBox())!;
    expect(button.x + button.width).toBeLessThanOrEqual(320);

    // The home page's cards, every one of them, and the order's own page.
    await buyButton(page).tap();
    await expect(orderStatus(page)).toHaveAttribute("data-status", "completed");
    await page.goto("/");
    await expect(page.getByTestId("sale-card").filter({ hasText: sale.name.slice(0, 20) })).toBeVisible();
    expect(await width()).toBeLessThanOrEqual(320);
    await page.getByRole("link", { name: "My orders" }).tap();
    await page.getByTestId("order-row").filter({ hasText: sale.name.slice(0, 20) }).tap();
    await expect(page.getByTestId("order-status")).toContainText("Confirmed");
    expect(await width()).toBeLessThanOrEqual(320);
  });
});
