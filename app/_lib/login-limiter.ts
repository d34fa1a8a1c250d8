import { RateLimiterRes } from "rate-limiter-flexible";
import { AppError } from "@/db/errors";
import { clientNetwork, MemoryBuckets } from "./rate-limit";

// Admin sign-in attempts, limited per client network and overall: the overall budget is what bounds
// guessing whatever addresses an attacker has, 100 attempts per 15 minutes against a 16-character
// generated password. In memory, like the order path's buckets (see rate-limit.ts): the admin signs
// in through the one web process `npm start` runs; a restart forgives.
const WINDOW_SECONDS = 15 * 60;
const perClient = new MemoryBuckets({ keyPrefix: "admin-login-client", points: 10, duration: WINDOW_SECONDS });
const overall = new MemoryBuckets({ keyPrefix: "admin-login", points: 100, duration: WINDOW_SECONDS });

// Networks the admin signed in from lately skip the overall budget, so that whoever spends it from
// many addresses cannot lock the admin out (their own network's 10 attempts still apply to them).
const TRUSTED_MS = 30 * 24 * 3600_000;
const TRUSTED_MAX = 100;
const trusted = new Map<string, number>();

function isTrusted(client: string, now = Date.now()): boolean {
  const until = trusted.get(client);
  if (until === undefined) return false;
  if (until > now) return true;
  trusted.delete(client);
  return false;
}

function trust(client: string): void {
  trusted.delete(client);
  // The oldest sign-in makes room: a Map keeps insertion order.
  if (trusted.size >= TRUSTED_MAX) trusted.delete(trusted.keys().next().value!);
  trusted.set(client, Date.now() + TRUSTED_MS);
}

/** The client's network as the web server saw it (see clientNetwork), or one shared key when unknown. */
export function clientKey(req: Request): string {
  return clientNetwork(req) ?? "unknown";
}

function limited(res: unknown): AppError {
  const ms = res instanceof RateLimiterRes ? res.msBeforeNext : WINDOW_SECONDS * 1000;
  return new AppError("rate_limited", "Too many sign-in attempts. Wait a while and try again.", { retryAfterSeconds: ms / 1000 });
}

async function spend(buckets: MemoryBuckets, key: string): Promise<void> {
  try {
    await buckets.consume(key);
  } catch (res) {
    if (res instanceof RateLimiterRes) throw limited(res);
    throw res;
  }
}

/** What an attempt spent, for forgiveLoginAttempt to give back. */
export type LoginAttempt = { client: string; spentOverall: boolean };

/** Spends one attempt from the client's budget and, unless the admin signed in from there lately, from the overall one; 429 when either is used up. */
export async function spendLoginAttempt(client: string): Promise<LoginAttempt> {
  await spend(perClient, client);
  if (isTrusted(client)) return { client, spentOverall: false };
  await spend(overall, "all");
  return { client, spentOverall: true };
}

/** A correct password gives the attempt back (only failures count) and trusts its network from now on. */
export async function forgiveLoginAttempt({ client, spentOverall }: LoginAttempt): Promise<void> {
  await perClient.delete(client);
  if (spentOverall) await overall.reward("all", 1);
  trust(client);
}
