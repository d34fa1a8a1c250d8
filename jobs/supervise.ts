import type { ChildProcess } from "node:child_process";
import { listenError } from "@/db/embedded";
import { OperatorError } from "@/db/operator-error";
import { isRunning } from "./launch";

// Pieces of the `npm start` supervisor (jobs/start.ts): the checks and waits around the web process,
// the restart backoff, and what the banner may show of a database URL.

/** A startup problem the operator must fix; its message says what is wrong and what to do. */
export class StartupError extends OperatorError {
  override name = "StartupError";
}

/** First restart after 1 s; each death soon after the last restart doubles it, up to 30 s. */
const FIRST_RESTART_MS = 1000;
const MAX_RESTART_MS = 30_000;
/** A process that ran this long before dying counts as healthy: its restart waits 1 s again. */
const HEALTHY_RUN_MS = 60_000;

export function nextRestartDelay(previousMs: number, ranMs: number): number {
  if (previousMs === 0 || ranMs >= HEALTHY_RUN_MS) return FIRST_RESTART_MS;
  return Math.min(previousMs * 2, MAX_RESTART_MS);
}

/** Fails with a StartupError naming PORT or HOST when the web server could not listen on them. */
export async function assertCanListen(port: number, host: string): Promise<void> {
  const err = await listenError(port, host);
  if (!err) return;
  const code = err.code ?? "error";
  if (code === "EADDRINUSE") {
    throw new StartupError(
      `PORT ${port} is already in use on HOST ${host}: another program (perhaps another \`npm start\`) listens there. ` +
        `Stop it, or choose another port (e.g. PORT=${port === 65535 ? 3000 : port + 1} npm start).`,
    );
  }
  if (code === "EACCES") {
    throw new StartupError(`PORT ${port} needs privileges this user does not have (EACCES): choose a port above 1023 (and put a proxy in front for 80 or 443).`);
  }
  if (["EADDRNOTAVAIL", "ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL", "EINVAL"].includes(code)) {
    throw new StartupError(`HOST ${host} is not an address of this machine (${code}): use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).`);
  }
  throw new StartupError(`The web server cannot listen on HOST ${host}, PORT ${port} (${code}: ${err.message}): check both.`);
}

/**
 * Resolves once `url` (the web's /api/health) answers 200. Fails with a StartupError when `child`
 * (the web process) exits first or `timeoutMs` passes, and with `signal`'s reason on a stop.
 */
export async function waitForWeb(url: string, child: ChildProcess, { port, host, timeoutMs, signal }: { port: number; host: string; timeoutMs: number; signal: AbortSignal }): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: string | undefined = isRunning(child) ? undefined : String(child.exitCode ?? child.signalCode);
  child.once("exit", (code, sig) => (exit = String(code ?? sig)));
  for (;;) {
    signal.throwIfAborted();
    if (exit !== undefined) {
      throw new StartupError(
        `The web server exited (${exit}) before it answered on ${url}: most often PORT ${port} is in use or HOST ${host} ` +
          `is not an address of this machine; its own log line above ("web failed to start") has the reason. ` +
          `Free the port or choose another (PORT=…), or fix HOST.`,
      );
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new StartupError(`The web server did not answer ${url} within ${Math.round(timeoutMs / 1000)} s; see its log lines above.`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A database URL with its password (and any password parameter) hidden, parsed as a URL. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    for (const key of [...parsed.searchParams.keys()]) if (/pass/i.test(key)) parsed.searchParams.set(key, "***");
    return parsed.toString();
  } catch {
    return "(set, not shown: not a URL this could parse)";
  }
}
