import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../embedded";
import { makePostgresTempDir, removeAtExit } from "./temp-dir";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

type Shared = { started: Promise<{ url: string; stop: () => Promise<void> }>; users: number };

// Vitest runs this once for each project of the config, even for a run of one project (`--project`), and
// loads a copy of this module for each: the cluster is kept on the process, so every project of a vitest
// process shares one, stopped after the last project is done with it.
const key = Symbol.for("flash-sale.test-postgres");
const slot = process as unknown as Record<symbol, Shared | undefined>;

function startShared(): Shared {
  const dir = makePostgresTempDir("flash-sale-test-pg-");
  // Vitest handles SIGINT and SIGTERM itself (its exit hooks run); a SIGHUP (a closed terminal) would
  // end it without them.
  const removeDir = removeAtExit(dir, ["SIGHUP"]);
  const started = startEmbeddedPostgres({ dir, persistent: false }).then((cluster) => ({
    url: cluster.url("postgres"),
    stop: async () => {
      await cluster.stop();
      removeDir();
    },
  }));
  return { started, users: 0 };
}

/** Starts one throwaway Postgres for the whole run; it and its files are gone afterwards. */
export default async function setup(project: TestProject) {
  const shared = (slot[key] ??= startShared());
  shared.users++;
  const cluster = await shared.started;
  project.provide("pgAdminUrl", cluster.url);
  return async () => {
    if (--shared.users > 0) return;
    slot[key] = undefined;
    await cluster.stop();
  };
}
