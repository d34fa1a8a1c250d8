import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { makeDataDir } from "./data-dir";

/**
 * A secret generated once and kept in `dir/name` (mode 0600), so restarts keep sessions and the admin
 * password. Safe when several processes ask at once: the first writer wins, the rest read its value.
 * The file appears whole or not at all (written aside, then linked into place), so a reader never sees
 * it half written; an empty one (a crash while one was written in place) is replaced, never used as
 * a secret.
 */
export function persistentSecret(dir: string, name: string, generate: () => string = () => randomBytes(32).toString("base64url")): string {
  const file = path.join(dir, name);
  makeDataDir(dir);
  const existing = readSecret(file);
  if (existing) return existing;
  const value = generate() + "\n";
  const aside = path.join(dir, `.${name}.${process.pid}.${randomBytes(6).toString("hex")}`);
  fs.writeFileSync(aside, value, { flag: "wx", mode: 0o600 });
  try {
    if (existing === "") fs.renameSync(aside, file);
    else fs.linkSync(aside, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A file system without hard links (some mounted volumes): created in place, as exclusively.
    if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP") writeExclusive(file, value);
    else if (code !== "EEXIST") throw err;
  } finally {
    fs.rmSync(aside, { force: true });
  }
  const secret = readSecret(file);
  if (!secret) throw new Error(`${file} is empty: remove it, and a new secret is generated at the next start`);
  return secret;
}

function writeExclusive(file: string, value: string): void {
  try {
    fs.writeFileSync(file, value, { flag: "wx", mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
}

/** The file's secret; "" for an empty file, undefined when there is none. */
function readSecret(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8").trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** A password a person can type: four groups of four lower-case letters and digits. */
export function readablePassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  const bytes = randomBytes(16);
  const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length]);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join("")).join("-");
}
