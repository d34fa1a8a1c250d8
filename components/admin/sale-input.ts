import { AdminApiError } from "./api";

// The sale form's fields as typed, and what is wrong with them in words for the person typing: the form
// reads what it can itself (a field left empty, a price it cannot read as dollars); the server's rules
// (ranges, an end after the start) come back from the same save, named per field.

export type Values = { name: string; description: string; price: string; originalPrice: string; stock: string; startsAt: string; endsAt: string };
/** What is wrong with a field, as the sentence shown beside it. */
export type Problems = Partial<Record<keyof Values, string>>;

// How messages name the fields (the labels without their units).
const names: Record<keyof Values, string> = { name: "Name", description: "Description", price: "Price", originalPrice: "Original price", stock: "Stock", startsAt: "Starts", endsAt: "Ends" };
// The API's names for the fields whose input is named differently.
const fieldOfApi: Record<string, keyof Values> = { priceCents: "price", originalPriceCents: "originalPrice" };

// Digits, with commas between thousands or none: 1299, 1,299, 1,299,000.
const WHOLE = String.raw`\d{1,3}(?:,\d{3})+|\d+`;
const PRICE = new RegExp(String.raw`^\$?\s*(${WHOLE})?(?:\.(\d{1,2}))?$`);
const COUNT = new RegExp(`^(?:${WHOLE})$`);

/**
 * A price in dollars as a person types it ("19.99", "$19.99", "1,299.50", "20", ".99"), in cents, worked
 * out in whole numbers (no 19.99 × 100 = 1998.9999…); null for anything else, a third decimal included
 * (rather than quietly rounding 19.999 to $20.00).
 */
export function readPrice(typed: string): number | null {
  const match = PRICE.exec(typed.trim());
  if (!match || (match[1] === undefined && match[2] === undefined)) return null;
  const dollars = Number((match[1] ?? "0").replaceAll(",", ""));
  const cents = dollars * 100 + Number((match[2] ?? "").padEnd(2, "0"));
  // Hundreds of digits read as Infinity (sent as null, "required"); past 2^53 cents are no longer exact.
  return Number.isSafeInteger(cents) ? cents : null;
}

/** A whole number as typed ("100", "1,000"); null for anything else. */
export function readCount(typed: string): number | null {
  const trimmed = typed.trim();
  const count = COUNT.test(trimmed) ? Number(trimmed.replaceAll(",", "")) : null;
  return count !== null && Number.isSafeInteger(count) ? count : null;
}

/** What the form itself can tell is wrong with `fields` of `values`: a field left empty, a price or a count it cannot read. */
export function formProblems(values: Values, fields: (keyof Values)[]): Problems {
  const problems: Problems = {};
  for (const field of fields) {
    if (values[field].trim() === "") problems[field] = `${names[field]} is required.`;
    else if ((field === "price" || field === "originalPrice") && readPrice(values[field]) === null) problems[field] = "Enter a price like 19.99.";
    else if (field === "stock" && readCount(values[field]) === null) problems[field] = "Stock must be a whole number, like 100.";
  }
  return problems;
}

/** The server's message for each field ("must be more than 0") as the sentence beside its input ("Price must be more than 0."). */
export function serverProblems(error: unknown): Problems {
  const problems: Problems = {};
  if (!(error instanceof AdminApiError)) return problems;
  for (const [apiField, message] of Object.entries(error.fields)) {
    const field = fieldOfApi[apiField] ?? apiField;
    if (field in names) problems[field as keyof Values] = `${names[field as keyof Values]} ${message}.`;
  }
  return problems;
}
