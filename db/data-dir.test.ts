import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeDataDir } from "./data-dir";
import { OperatorError } from "./operator-error";
import { persistentSecret } from "./secrets";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "data-dir-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe("the data directory", () => {
  it("is made with its missing parents, the first one made returned; one already there makes nothing", () => {
    const dir = path.join(root, "a", "b", "c");
    expect(makeDataDir(dir)).toBe(path.join(root, "a"));
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    expect(makeDataDir(dir)).toBeUndefined();
  });

  it("that cannot be made is told as the operator's to fix, naming DATA_DIR, without a stack in the log", () => {
    const file = path.join(root, "a-file");
    fs.writeFileSync(file, "");
    let thrown: unknown;
    try {
      persistentSecret(path.join(file, "data"), "session-secret");
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(OperatorError);
    expect((thrown as Error).message).toBe(`DATA_DIR: cannot create ${path.join(file, "data")} (ENOTDIR): set DATA_DIR to a directory this user may create and write`);
  });

  it.runIf(fs.existsSync("/proc/self"))("under /proc is refused at once (Node's recursive mkdir never returns there)", () => {
    expect(() => makeDataDir("/proc/flash-sale-data/pg")).toThrow(/^DATA_DIR: cannot create \/proc\/flash-sale-data\/pg \(ENOENT at \/proc\/flash-sale-data\)/);
  });
});
