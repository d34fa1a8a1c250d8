import { RateLimiterRes } from "rate-limiter-flexible";
import { AppError } from "@/db/errors";
import { clientIp, MemoryBuckets } from "./rate-limit";

// Admin sign-in attempts, limited per client address and overall: the overall budget is what bounds
// guessing whatever addresses an attacker has, 100 attempts per 15 minutes against a 16-character
// generated password. In memory, like the order path's buckets (see rate-limit.ts): the admin signs
// in through the one web process `npm start` runs; a restart forgives.
const WINDOW_SECONDS = 15 * 60;
const perClient = new MemoryBuckets({ keyPrefix: "admin-login-client", points: 10, duration: WINDOW_SECONDS });
const overall = new MemoryBuckets({ keyPrefix: "admin-login", points: 100, duration: WINDOW_SECONDS });

/** The client's address as the web server saw it (see clientIp), or one shared key when unknown. */
export function clientKey(req: Request): string {
  return clientIp(req) ?? "unknown";
}

function limited(res: unknown): AppError {
  const ms = res instanceof RateLimiterRes ? res.msBeforeNext : WINDOW_SECONDS * 1000;
  return new AppError("rate_limited", "Too many sign-in attempts. Wait a while and try again.", { retryAfterSeconds: ms / 1000 });
}

/** Spends one attempt from both budgets, or throws 429 when either is used up. Atomic per process. */
export async function spendLoginAttempt(client: string): Promise<void> {
  try {
    await perClient.consume(client);
  } catch (res) {
    if (res instanceof RateLimiterRes) throw limited(res);
    throw res;
  }
  try {
    await overall.consume("all");
  } catch (res) {
    if (res instanceof RateLimiterRes) throw limited(res);
    throw res;
  }
}

/** A correct password gives the attempt back: only failures count against the budgets. */
export async function forgiveLoginAttempt(client: string): Promise<void> {
  await perClient.delete(client);
  await overall.reward("all", 1);
}
