import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/**
 * A secret generated once and kept in `dir/name` (mode 0600), so restarts keep sessions and the admin
 * password. Safe when several processes ask at once: the first writer wins, the rest read its value.
 */
export function persistentSecret(dir: string, name: string, generate: () => string = () => randomBytes(32).toString("base64url")): string {
  const file = path.join(dir, name);
  fs.mkdirSync(dir, { recursive: true });
  try {
    fs.writeFileSync(file, generate() + "\n", { flag: "wx", mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return fs.readFileSync(file, "utf8").trim();
}

/** A password a person can type: four groups of four lower-case letters and digits. */
export function readablePassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  const bytes = randomBytes(16);
  const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length]);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join("")).join("-");
}
