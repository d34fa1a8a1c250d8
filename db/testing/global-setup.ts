import fs from "node:fs";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../embedded";
import { makePostgresTempDir } from "./temp-dir";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

/** Starts one throwaway Postgres for the whole run; it and its files are gone afterwards. */
export default async function setup(project: TestProject) {
  const dir = makePostgresTempDir("flash-sale-test-pg-");
  const cluster = await startEmbeddedPostgres({ dir, persistent: false });
  project.provide("pgAdminUrl", cluster.url("postgres"));
  return async () => {
    await cluster.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
