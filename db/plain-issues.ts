import type { z } from "zod";

// zod's default messages ("Invalid input: expected string, received undefined", "Too big: expected
// string to have <=254 characters", "Unrecognized key: …") are written for developers. Every input the
// app checks (request bodies, queries, its environment) is parsed with this map instead, so a problem
// reads as what to send: a fragment that follows the field's name ("email: is required", "limit: must be
// at most 100"), as the admin form shows it ("Stock must be at least 1."). A message a schema sets
// itself wins over this map; the map only replaces zod's defaults.

type Issue = z.core.$ZodRawIssue;

const KIND: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  bigint: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  date: "a date",
};

const FORMAT: Record<string, string> = {
  email: "an email address",
  uuid: "an id (a UUID)",
  guid: "an id (a UUID)",
  datetime: "a date and time (ISO 8601)",
  date: "a date (YYYY-MM-DD)",
  url: "a URL",
};

const quoted = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(", ");

function fieldsOf(issue: Issue): string[] {
  const shape = (issue.inst as { _zod?: { def?: { shape?: Record<string, unknown> } } } | undefined)?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
}

function bound(issue: { origin: string; inclusive?: boolean }, limit: number | bigint, isMax: boolean): string {
  const n = typeof limit === "number" ? limit.toLocaleString("en-US") : String(limit);
  switch (issue.origin) {
    case "string":
      return isMax ? `must be at most ${n} characters` : Number(limit) === 1 ? "must not be empty" : `must be at least ${n} characters`;
    case "array":
    case "set":
      return `must have ${isMax ? "at most" : "at least"} ${n} ${Number(limit) === 1 ? "item" : "items"}`;
    case "date":
      return `must be ${isMax ? "no later" : "no earlier"} than ${new Date(Number(limit)).toISOString()}`;
    default:
      if (issue.inclusive === false) return `must be ${isMax ? "less" : "more"} than ${n}`;
      return `must be ${isMax ? "at most" : "at least"} ${n}`;
  }
}

/** zod's issue in plain words, as a fragment to follow the field's name; for `safeParse(value, { error: plainIssue })`. */
export function plainIssue(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      return `must be ${KIND[issue.expected] ?? issue.expected}`;
    case "too_big":
      return bound(issue, issue.maximum, true);
    case "too_small":
      return bound(issue, issue.minimum, false);
    case "invalid_value":
      return issue.values.length === 1 ? `must be ${quoted(issue.values)}` : `must be one of ${quoted(issue.values)}`;
    case "invalid_format":
      return `must be ${FORMAT[issue.format] ?? `in the ${issue.format} format`}`;
    case "not_multiple_of":
      return `must be a multiple of ${String(issue.divisor)}`;
    case "unrecognized_keys": {
      const fields = fieldsOf(issue);
      const takes = fields.length > 0 ? ` (it takes ${fields.join(", ")})` : "";
      const which = issue.keys.length === 1 ? `${quoted(issue.keys)} is not a field` : `${quoted(issue.keys)} are not fields`;
      return `${which} this request takes${takes}`;
    }
    default:
      return "is not valid";
  }
}
