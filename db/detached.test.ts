import { AsyncLocalStorage } from "node:async_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import { limitOrderAttempt, limitShopperLogin } from "@/app/_lib/rate-limit";
import { spendLoginAttempt } from "@/app/_lib/login-limiter";
import { detached } from "./detached";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

// Next.js keeps each request's state in an AsyncLocalStorage store; this one stands in for it.
const requestStore = new AsyncLocalStorage<{ request: string }>();

/** Whether the store a request ran with is still reachable once the request is over. */
async function isKeptAfterRequest(handle: () => Promise<unknown>): Promise<boolean> {
  let store: { request: string } | undefined = { request: "x".repeat(1000) };
  const ref = new WeakRef(store);
  await requestStore.run(store, handle).catch(() => {});
  store = undefined;
  // The request is over: let its last callbacks run, then collect.
  await new Promise((r) => setTimeout(r, 10));
  gc();
  return ref.deref() !== undefined;
}

const req = (ip: string) => new Request("http://app.test/api/sales/x/orders", { method: "POST", headers: { "x-flash-client-ip": ip } });

describe("timers that outlive a request do not keep it alive", () => {
  // Once, outside any request: the first Request this process builds and the first Buy's limit
  // checks set up state for the whole process (undici's, the limiters' own), kept for good and once,
  // which is not what these tests are about.
  beforeAll(async () => {
    await limitOrderAttempt(req("203.0.113.1"), "3a1f6c1e-0000-4000-8000-000000000000");
    await limitShopperLogin(req("203.0.113.1"));
  });

  it("a timer started undetached keeps its request until it fires (the leak the rest guards against)", async () => {
    let timer: NodeJS.Timeout | undefined;
    expect(await isKeptAfterRequest(async () => (timer = setTimeout(() => {}, 60_000)))).toBe(true);
    clearTimeout(timer);
  });

  it("a detached timer neither keeps the request nor sees its context", async () => {
    let seen: unknown = "not yet";
    let timer: NodeJS.Timeout | undefined;
    expect(await isKeptAfterRequest(async () => (timer = detached(() => setTimeout(() => (seen = requestStore.getStore()), 20))))).toBe(false);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toBeUndefined();
    clearTimeout(timer);
  });

  it("a Buy's rate-limit buckets (per shopper and per address) let the request go", async () => {
    expect(await isKeptAfterRequest(() => limitOrderAttempt(req("203.0.113.7"), "3a1f6c1e-0000-4000-8000-000000000001"))).toBe(false);
  });

  it("so do the sign-in buckets (15 minutes for the admin's)", async () => {
    expect(await isKeptAfterRequest(() => limitShopperLogin(req("203.0.113.8")))).toBe(false);
    expect(await isKeptAfterRequest(() => spendLoginAttempt("203.0.113.9"))).toBe(false);
  });
});
