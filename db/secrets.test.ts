import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { persistentSecret } from "./secrets";

// The session secret and the admin password `npm start` generates once and keeps in DATA_DIR.

const dirs: string[] = [];
const freshDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secrets-test-"));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe("persistentSecret", () => {
  it("generates a secret once, readable only by its owner, and gives the same one on every later call", async () => {
    const dir = freshDir();
    const first = persistentSecret(dir, "session-secret");
    expect(first).toMatch(/^[\w-]{43}$/);
    expect(persistentSecret(dir, "session-secret", () => "another")).toBe(first);
    expect(fs.statSync(path.join(dir, "session-secret")).mode & 0o777).toBe(0o600);
    // Nothing but the secret's file is left in the directory.
    expect(fs.readdirSync(dir)).toEqual(["session-secret"]);
  });

  it("gives a caller that raced another the other's secret when the other's file came first, never its own", async () => {
    const dir = freshDir();
    let inner: string | undefined;
    // While the outer call generates its secret, another caller (another process starting at the same
    // moment) creates the file first.
    const outer = persistentSecret(dir, "session-secret", () => {
      inner = persistentSecret(dir, "session-secret", () => "the-first-callers-secret");
      return "the-second-callers-secret";
    });
    expect([inner, outer]).toEqual(["the-first-callers-secret", "the-first-callers-secret"]);
    expect(fs.readFileSync(path.join(dir, "session-secret"), "utf8")).toBe("the-first-callers-secret\n");
    expect(fs.readdirSync(dir)).toEqual(["session-secret"]);
  });

  it("replaces an empty file (left by a crash while it was written) instead of signing sessions with an empty secret", async () => {
    const dir = freshDir();
    fs.writeFileSync(path.join(dir, "session-secret"), "", { mode: 0o600 });
    const secret = persistentSecret(dir, "session-secret");
    expect(secret).toMatch(/^[\w-]{43}$/);
    expect(fs.readFileSync(path.join(dir, "session-secret"), "utf8").trim()).toBe(secret);
    expect(persistentSecret(dir, "session-secret")).toBe(secret);
  });
});
