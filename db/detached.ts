import { AsyncResource } from "node:async_hooks";

// A timer, like every async resource, keeps the async context it was started in until it fires. In
// a route handler that context is Next's request store, which holds the request, its response and
// the rest of the request's state. A timer that outlives its request keeps all of that alive with
// it: a rate-limit bucket's expiry timer fires 1 s to 15 minutes after the request that filled the
// bucket, and every Buy fills a new shopper's bucket, so the web's heap held a second's worth of
// finished Buys at any moment. Timers that outlive a request are started in this scope instead.
//
// The scope keeps the context this module is first loaded in, so it must load before any request:
// the web server imports it at start-up (jobs/web.ts), before Next.js. (A server that loaded it
// first inside a request, `next dev` for one, would keep that one request, not one per bucket.)
// Kept on globalThis: Next.js bundles its own copy of this module into the route bundles, which must
// find the same scope.

const holder = globalThis as unknown as { __flashSaleDetached?: AsyncResource };
const scope = (holder.__flashSaleDetached ??= new AsyncResource("flash-sale.detached"));

/**
 * Runs `fn` in the detached scope: timers and promises it starts do not keep the current request's
 * context alive, and their callbacks do not see it.
 */
export function detached<T>(fn: () => T): T {
  return scope.runInAsyncScope(fn);
}
