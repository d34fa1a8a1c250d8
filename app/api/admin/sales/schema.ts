import { z } from "zod";
import { fieldError } from "@/db/admin-sales";
import type { AppError } from "@/db/errors";

// The rules for a sale an admin creates or edits; each problem is reported against its field.

// A field left out (or sent as null, as a form sends an empty one) is missing, not of the wrong kind.
const unlessMissing = (message: string) => (issue: { input?: unknown }) => (issue.input === undefined || issue.input === null ? "is required" : message);
// Postgres cannot store a NUL character in text: refused here, named, rather than failing the insert.
export const hasNoNul = (value: string) => !value.includes("\0");
const NUL_MESSAGE = "must not contain a NUL character";
// Lengths in characters as a person counts them (an emoji family 👨‍👩‍👧‍👦 is one, not the 11 UTF-16 units
// JavaScript's length counts); the request's 16 KiB bounds what one character may carry.
const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });
const atMost = (max: number) => (value: string) => value.length <= max || [...graphemes.segment(value)].length <= max;
const name = z
  .string({ error: unlessMissing("must be text") })
  .trim()
  .min(1, "is required")
  .refine(atMost(200), "must be at most 200 characters")
  .refine(hasNoNul, NUL_MESSAGE);
const description = z.string().trim().refine(atMost(2000), "must be at most 2,000 characters").refine(hasNoNul, NUL_MESSAGE);
const stock = z.number({ error: unlessMissing("must be a whole number") }).int("must be a whole number").min(1, "must be at least 1").max(1_000_000, "must be at most 1,000,000");
const cents = z.number({ error: unlessMissing("must be a whole number of cents") }).int("must be a whole number of cents").positive("must be more than $0").max(100_000_000, "must be at most $1,000,000");
// ISO 8601 allows years Postgres cannot store (0000, or 9999 at an offset that makes it 10000 in UTC).
const YEARS = "must be between the years 1970 and 9999";
const time = z.iso
  .datetime({ offset: true, error: unlessMissing("must be a date and time (ISO 8601)") })
  .transform((value) => new Date(value))
  .pipe(z.date().min(new Date("1970-01-01T00:00:00Z"), YEARS).max(new Date("9999-12-31T23:59:59.999Z"), YEARS));

// Rules across fields run whenever the fields they read are valid, even if another field is not, so the
// admin sees every problem at once (by default zod skips an object's refinements once any field failed its
// type, e.g. a price the form sends as null).
type Fields = Record<string, unknown>;
const pricesRead = ({ value }: { value: unknown }) => typeof (value as Fields).priceCents === "number" && typeof (value as Fields).originalPriceCents === "number";
const timesRead = ({ value }: { value: unknown }) => (value as Fields).startsAt instanceof Date && (value as Fields).endsAt instanceof Date;
// Creating and editing share it; an edit that names only one of the times leaves the other as it is.
const endsAfterStart = (sale: { startsAt?: Date; endsAt?: Date }) => !sale.startsAt || !sale.endsAt || sale.endsAt > sale.startsAt;
const endsAfterStartRule = { path: ["endsAt"], message: "must be after the start", when: timesRead };

export const createSaleSchema = z
  .object({ name, description: description.default(""), priceCents: cents, originalPriceCents: cents, stock, startsAt: time, endsAt: time })
  .strict()
  .refine((sale) => sale.originalPriceCents >= sale.priceCents, { path: ["originalPriceCents"], message: "must be at least the sale price", when: pricesRead })
  .refine(endsAfterStart, endsAfterStartRule)
  // A sale that has already ended could never sell anything.
  .refine((sale) => sale.endsAt <= sale.startsAt || sale.endsAt.getTime() > Date.now(), { path: ["endsAt"], message: "must be in the future", when: timesRead });

export const updateSaleSchema = z
  .object({ name, description, stock, startsAt: time, endsAt: time })
  .partial()
  .strict()
  .refine((changes) => Object.keys(changes).length > 0, { message: "Send at least one field to change: name, description, stock, startsAt or endsAt." })
  .refine(endsAfterStart, endsAfterStartRule);

/** zod's issues as one 400 with a message per field (the first problem of each). */
export function invalidFields(issues: z.core.$ZodIssue[]): AppError {
  const fields: Record<string, string> = {};
  for (const issue of issues) {
    const field = issue.path.length > 0 ? issue.path.map(String).join(".") : "body";
    fields[field] ??= issue.message;
  }
  return fieldError(fields);
}
