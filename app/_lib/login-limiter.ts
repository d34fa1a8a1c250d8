import { RateLimiterRes, RateLimiterMemory } from "rate-limiter-flexible";
import { AppError } from "@/db/errors";

// Admin sign-in attempts, limited per client and overall. The client is known only by the
// X-Forwarded-For the web server saw (a client can forge it), so the overall budget is what really
// bounds guessing: 100 attempts per 15 minutes against a 16-character generated password. In memory:
// the admin signs in through the one web process `npm start` runs; a restart forgives.
const WINDOW_SECONDS = 15 * 60;
const perClient = new RateLimiterMemory({ keyPrefix: "admin-login-client", points: 10, duration: WINDOW_SECONDS });
const overall = new RateLimiterMemory({ keyPrefix: "admin-login", points: 100, duration: WINDOW_SECONDS });

export function clientKey(req: Request): string {
  return req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || "unknown";
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
