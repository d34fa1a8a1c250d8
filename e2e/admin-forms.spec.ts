import { expect, test } from "./fixtures";
import { openAdmin, signInAsAdmin } from "./shopper";

// The admin's forms as a person filling them in meets them: where focus goes when a save is refused,
// what each field's message says and how a screen reader finds it.

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
    await expect(price).toHaveAccessibleDescription("Price must be more than 0.");
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

  test("the edit form puts focus on a field at fault too", async ({ page, createSale }) => {
    const sale = await createSale({ startsInMs: 3600_000 });
    await page.goto(`/admin/sales/${sale.id}`);
    await signInAsAdmin(page);
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

test.describe("what the forms say", () => {
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
    await price.fill("$19.99");
    await stock.fill("");
    const startsValue = await starts.inputValue();
    await starts.fill("");
    await create.click();
    await expect(page.getByTestId("originalPrice-error")).toHaveText("Original price is required.");
    await expect(page.getByTestId("stock-error")).toHaveText("Stock is required.");
    await expect(page.getByTestId("startsAt-error")).toHaveText("Starts is required.");
    await expect(page.getByTestId("price-error")).toHaveText("");
    await expect(original).toBeFocused();

    // What cannot be read as dollars is told how to type it.
    await original.fill("12.345");
    await create.click();
    await expect(page.getByTestId("originalPrice-error")).toHaveText("Enter a price like 19.99.");

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
    await page.goto(`/admin/sales/${sale.id}`);
    await signInAsAdmin(page);
    await page.getByText("Edit this sale").click();
    await page.getByLabel("Stock (units)", { exact: true }).fill("");
    await page.getByLabel("Ends", { exact: true }).fill("");
    await page.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByTestId("stock-error")).toHaveText("Stock is required.");
    await expect(page.getByTestId("endsAt-error")).toHaveText("Ends is required.");
  });

  test("the sign-in asks for the password when it is sent empty, with focus back in the field", async ({ page }) => {
    await page.goto("/admin/login");
    const password = page.getByLabel("Password", { exact: true });
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").filter({ hasText: "password" })).toHaveText("Enter the admin password.");
    await expect(password).toBeFocused();
    await expect(password).toHaveAccessibleDescription("Enter the admin password.");
  });
});
