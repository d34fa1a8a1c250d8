// Arrays go to Postgres as array literals, one parameter each, so a statement's text (and its prepared
// plan) is the same whatever the number of values. Elements are quoted and escaped; null is NULL.
export const arrayLiteral = (values: readonly (string | null)[]): string =>
  `{${values.map((v) => (v === null ? "NULL" : `"${v.replace(/[\\"]/g, "\\$&")}"`)).join(",")}}`;
