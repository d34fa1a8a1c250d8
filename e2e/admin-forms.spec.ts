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
