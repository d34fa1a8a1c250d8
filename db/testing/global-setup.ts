import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../embedded";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

/** Starts one throwaway Postgres for the whole run; it and its files are gone afterwards. */
export default async function setup(project: TestProject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "flash-sale-test-pg-"));
  fs.chmodSync(dir, 0o755);
  const cluster = await startEmbeddedPostgres({ dir, persistent: false });
  project.provide("pgAdminUrl", cluster.url("postgres"));
  return async () => {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
