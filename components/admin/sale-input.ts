import { AdminApiError, fromLocalInput, toLocalInput } from "./api";

// The sale form's fields as typed, and what is wrong with them in words for the person typing: the form
// reads what it can itself (a field left empty, a price it cannot read as dollars); the server's rules
// (ranges, an end after the start) come back from the same save, named per field.

export type Values = { name: string; description: string; price: string; originalPrice: string; stock: string; startsAt: string; endsAt: string };
/** What is wrong with a field, as the sentence shown beside it. */
export type Problems = Partial<Record<keyof Values, string>>;

// How messages name the fields: the labels without their units, and the times as nouns ("Start time is
// required.", where the label "Starts" would read "Starts is required.").
const names: Record<keyof Values, string> = { name: "Name", description: "Description", price: "Price", originalPrice: "Original price", stock: "Stock", startsAt: "Start time", endsAt: "End time" };
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

/** What follows a minus sign typed before a number ("-5", "$-5", "- 5"), or null when there is none. */
function afterMinus(typed: string): string | null {
  const match = /^(\$?)\s*-\s*(.*)$/.exec(typed.trim());
  return match ? match[1]! + match[2]! : null;
}

/**
 * What the form itself can tell is wrong with `fields` of `values`: a field left empty, a price or a count
 * it cannot read. A negative number is readable, only too small: it is told the least it may be, in the
 * server's words for 0 ("must be more than $0", "must be at least 1").
 */
export function formProblems(values: Values, fields: (keyof Values)[]): Problems {
  const problems: Problems = {};
  for (const field of fields) {
    const typed = values[field];
    const negative = afterMinus(typed);
    if (typed.trim() === "") problems[field] = `${names[field]} is required.`;
    else if (field === "price" || field === "originalPrice") {
      if (negative !== null && readPrice(negative) !== null) problems[field] = `${names[field]} must be more than $0.`;
      else if (readPrice(typed) === null) problems[field] = "Enter a price like 19.99.";
    } else if (field === "stock") {
      if (negative !== null && readCount(negative) !== null) problems[field] = "Stock must be at least 1.";
      else if (readCount(typed) === null) problems[field] = "Stock must be a whole number, like 100.";
    } else if ((field === "startsAt" || field === "endsAt") && isSkippedTime(typed)) {
      problems[field] = `${names[field]} does not exist in your time zone: the clocks go forward over it. Pick a time after the change.`;
    }
  }
  return problems;
}

/**
 * A date and time of the browser's zone that its clocks skip (2:30 on the night they go forward): the
 * browser would read it as an hour later and save that without a word. One it cannot read at all is
 * left for the server to name.
 */
function isSkippedTime(typed: string): boolean {
  const iso = fromLocalInput(typed);
  return iso !== typed && toLocalInput(iso) !== typed.slice(0, 16);
}

/** A time field as the API takes it (ISO), or null for a time the zone skips, which the form names instead. */
export function readTime(typed: string): string | null {
  return isSkippedTime(typed) ? null : fromLocalInput(typed);
}

/** The server's message for each field ("must be more than $0") as the sentence beside its input ("Price must be more than $0."). */
export function serverProblems(error: unknown): Problems {
  const problems: Problems = {};
  if (!(error instanceof AdminApiError)) return problems;
  for (const [apiField, message] of Object.entries(error.fields)) {
    const field = fieldOfApi[apiField] ?? apiField;
    if (field in names) problems[field as keyof Values] = `${names[field as keyof Values]} ${message}.`;
  }
  return problems;
}
