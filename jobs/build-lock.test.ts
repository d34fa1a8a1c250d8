import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildUnderLock } from "./build";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "build-lock-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the build lock of npm starts of one checkout", () => {
  it("lets one build at a time; one that waited asks again whether the build is stale, and the first's was all it needed", async () => {
    let isBuilt = false;
    const builds: [number, number][] = [];
    const waits: number[] = [];
    const build = async () => {
      const started = Date.now();
      await sleep(700);
      isBuilt = true;
      builds.push([started, Date.now()]);
    };
    const run = () => buildUnderLock(root, { build, isStale: () => !isBuilt, onWait: (holder) => waits.push(holder) });
    await Promise.all([run(), sleep(100).then(run)]);
    expect(builds).toHaveLength(1);
    expect(waits).toEqual([process.pid]);
    expect(fs.existsSync(path.join(root, ".next-build.lock"))).toBe(false);
  });

  it("takes over a lock whose holder has died, and gives up waiting when stopped", async () => {
    // A holder killed mid-build: its pid no longer runs.
    const dead = spawn(process.execPath, ["-e", ""]);
    await new Promise((r) => dead.once("exit", r));
    fs.writeFileSync(path.join(root, ".next-build.lock"), String(dead.pid));
    let built = 0;
    await buildUnderLock(root, { build: async () => void built++, isStale: () => true });
    expect(built).toBe(1);

    // A live holder (this process, as another npm start would be): a stop while waiting ends the wait.
    fs.writeFileSync(path.join(root, ".next-build.lock"), String(process.pid));
    const stop = new AbortController();
    const waiting = buildUnderLock(root, { build: async () => void built++, isStale: () => true, signal: stop.signal });
    await sleep(200);
    stop.abort(new Error("stopped"));
    await expect(waiting).rejects.toThrow("stopped");
    expect(built).toBe(1);
    fs.rmSync(path.join(root, ".next-build.lock"));
  });
});
