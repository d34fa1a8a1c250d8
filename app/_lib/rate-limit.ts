import { isIPv6 } from "node:net";
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { config } from "@/db/config";
import { detached } from "@/db/detached";
import { AppError } from "@/db/errors";

// Rate limits live in each web process's memory: checking one costs microseconds and no database
// round trip on the hot path. With N web processes behind a round-robin balancer a client may get
// up to N times a limit; that is acceptable because limits only stop scripts hammering the app.
// What must hold across processes (one order per shopper per sale, the admission gate, the backlog
// bound) is enforced through Postgres, never by these buckets.

type Limiter = { consume: (key: string) => Promise<unknown> };

/**
 * The app's in-memory buckets. A bucket expires through a timer that outlives the request that
 * filled it (1 s to 15 minutes), so every call that may start one runs detached (db/detached.ts):
 * the timer must not keep that request alive. Every limiter of the app is built from this class.
 */
export class MemoryBuckets extends RateLimiterMemory {
  consume(...args: Parameters<RateLimiterMemory["consume"]>) {
    return detached(() => super.consume(...args));
  }
  penalty(...args: Parameters<RateLimiterMemory["penalty"]>) {
    return detached(() => super.penalty(...args));
  }
  reward(...args: Parameters<RateLimiterMemory["reward"]>) {
    return detached(() => super.reward(...args));
  }
  set(...args: Parameters<RateLimiterMemory["set"]>) {
    return detached(() => super.set(...args));
  }
  block(...args: Parameters<RateLimiterMemory["block"]>) {
    return detached(() => super.block(...args));
  }
}

/** A token bucket: `perSecond` steadily, plus a burst allowance of `burst` that refills every 10 s. */
function bucket(keyPrefix: string, perSecond: number, burst: number): Limiter {
  const steady = new MemoryBuckets({ keyPrefix, points: perSecond, duration: 1 });
  if (burst === 0) return steady;
  return new BurstyRateLimiter(steady, new MemoryBuckets({ keyPrefix: `${keyPrefix}-burst`, points: burst, duration: 10 }));
}

function create() {
  const cfg = config();
  return {
    orderShopper: bucket("order-shopper", cfg.RATE_LIMIT_SHOPPER_PER_SECOND, cfg.RATE_LIMIT_SHOPPER_BURST),
    orderIp: bucket("order-ip", cfg.RATE_LIMIT_IP_PER_SECOND, cfg.RATE_LIMIT_IP_BURST),
    shopperLogin: new MemoryBuckets({ keyPrefix: "shopper-login", points: cfg.RATE_LIMIT_LOGIN_PER_MINUTE, duration: 60 }),
  };
}

const holder = globalThis as unknown as { __flashSaleLimiters?: ReturnType<typeof create> };
function limiters() {
  holder.__flashSaleLimiters ??= create();
  return holder.__flashSaleLimiters;
}

/** Takes one token for `key`, or throws 429 `rate_limited` with the seconds until one is free. */
async function take(limiter: Limiter, key: string, message: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    throw new AppError("rate_limited", message, { retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) });
  }
}

/**
 * The client's address, as set by the app's own web server from the socket (jobs/web.ts), or the
 * last X-Forwarded-For entry when TRUST_PROXY says a proxy in front sets it. Undefined for requests
 * that came through neither (tests driving handlers in-process).
 */
export function clientIp(req: Request): string | undefined {
  if (config().TRUST_PROXY) {
    const forwarded = req.headers.get("x-forwarded-for");
    const last = forwarded?.split(",").pop()?.trim();
    if (last) return last;
  }
  return req.headers.get(CLIENT_IP_HEADER) ?? undefined;
}

/**
 * What a client's limits are counted under: its IPv4 address, or the /64 network of its IPv6 address
 * (one subscriber's network; a single machine can take any address in it, so counting per address
 * would let it through as thousands of clients). An IPv4-mapped IPv6 address counts as its IPv4 one.
 */
export function networkKey(ip: string): string {
  const address = ip.split("%")[0]!; // a zone index (fe80::1%eth0) names the interface, not the host
  if (!isIPv6(address)) return ip;
  const [head = "", tail] = address.split("::");
  // Sixteen-bit words; a trailing dotted IPv4 part is two of them.
  const wordsOf = (part: string) =>
    part === "" ? [] : part.split(":").flatMap((group) => (group.includes(".") ? dottedWords(group) : [parseInt(group, 16)]));
  const left = wordsOf(head);
  const right = tail === undefined ? [] : wordsOf(tail);
  const words = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return [words[6]! >> 8, words[6]! & 0xff, words[7]! >> 8, words[7]! & 0xff].join(".");
  }
  return `${words
    .slice(0, 4)
    .map((w) => w.toString(16))
    .join(":")}::/64`;
}

function dottedWords(dotted: string): number[] {
  const [a = 0, b = 0, c = 0, d = 0] = dotted.split(".").map(Number);
  return [(a << 8) | b, (c << 8) | d];
}

/** The key of the client's network (networkKey) for the limits, or undefined as for clientIp. */
export function clientNetwork(req: Request): string | undefined {
  const ip = clientIp(req);
  return ip === undefined ? undefined : networkKey(ip);
}

/** Set by the web server on every request, overwriting whatever a client sent. */
export const CLIENT_IP_HEADER = "x-flash-client-ip";

/** The Buy limits: per shopper and per client address. */
export async function limitOrderAttempt(req: Request, userId: string): Promise<void> {
  await take(limiters().orderShopper, userId, "You are pressing Buy too fast. Wait a moment and try again.");
  const network = clientNetwork(req);
  if (network) await take(limiters().orderIp, network, "Too many orders from your network. Wait a moment and try again.");
}

/** Shopper sign-in attempts, per client address. */
export async function limitShopperLogin(req: Request): Promise<void> {
  const network = clientNetwork(req);
  if (network) await take(limiters().shopperLogin, network, "Too many sign-in attempts. Wait a minute and try again.");
}
