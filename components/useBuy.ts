"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import type { Order } from "@/db/orders";
import type { Sale } from "@/db/sales";
import { api, ApiError } from "./api";
import { knownClockReading } from "./clock";
import { isSignedOutError, sessionEnded } from "./session";

/** The answer that asked us to come back later (its code and the server's own message), and until when (browser clock: a relative wait). */
export type RetryWait = { error: ApiError; until: number };

// Enough automatic attempts to ride out a rush; past that the shopper decides.
const MAX_ATTEMPTS = 30;
// A sale the server says has not opened, and that opens further off than this, was moved later.
const RESCHEDULED_MS = 2000;
// How long a refused Buy waits for the fresh sale before its answer is shown.
const FRESH_SALE_WAIT_MS = 1500;

/** How long to wait before asking again by ourselves, or undefined when a repeat cannot help. */
function automaticRetryDelay(err: unknown): number | undefined {
  if (!(err instanceof ApiError)) return undefined;
  // Any 503 that says when to come back (busy, the database restarting, …) is a wait, not an answer.
  if (err.status === 503 && err.retryAfterSeconds !== undefined) return err.retryAfterSeconds * 1000;
  if (err.code === "busy" || err.code === "rate_limited") return (err.retryAfterSeconds ?? 1) * 1000;
  // Our clock said open a moment before the server's did: try again just after.
  if (err.code === "sale_not_started") return 500;
  return undefined;
}

/**
 * A fresh v4 UUID. `crypto.randomUUID` exists only in a secure context (HTTPS or localhost); a page
 * served over plain HTTP to another machine (`HOST=0.0.0.0`) builds one from `getRandomValues`.
 */
export function newIdempotencyKey(source: Pick<Crypto, "getRandomValues"> & { randomUUID?: () => string } = crypto): string {
  if (typeof source.randomUUID === "function") return source.randomUUID();
  const bytes = source.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The loop was called off (sign-out, another shopper, page left): nothing more is sent or shown. */
class Cancelled extends Error {
  constructor() {
    super("Buy cancelled");
    this.name = "Cancelled";
  }
}

/** Waits `ms`, or rejects with Cancelled as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Cancelled());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Buy in one sale, as the signed-in shopper `userId`. One Idempotency-Key per page: every retry,
 * automatic (429/503 after Retry-After) or by hand (network failure), resends the same key, so it can
 * never make a second order. A Buy belongs to the shopper who pressed it: when that shopper signs out,
 * another signs in on the same page, or the page goes away, its automatic retries stop and its answer
 * is forgotten.
 */
export function useBuy(saleId: string, userId: string | undefined) {
  const queryClient = useQueryClient();
  const [idempotencyKey] = useState(() => newIdempotencyKey());
  const [wait, setWait] = useState<RetryWait | null>(null);
  // The answer that started the automatic retries, kept while they run: what the page announces, so a
  // screen reader hears "busy" once rather than "busy", "placing", "busy"… on every attempt.
  const [retryError, setRetryError] = useState<ApiError | null>(null);
  // A double click lands twice before React re-renders the button disabled: this ref is the real guard.
  const inFlight = useRef(false);
  // Each press gets a generation and an AbortController; cancelling moves the generation on, so a
  // loop that wakes up (or an answer that arrives) for an older one sends and shows nothing.
  const generation = useRef(0);
  const controller = useRef<AbortController | null>(null);
  const isCurrent = (gen: number) => gen === generation.current;

  const isRescheduled = async (): Promise<boolean> => {
    await queryClient.invalidateQueries({ queryKey: ["sale", saleId] });
    const sale = queryClient.getQueryData<Sale>(["sale", saleId]);
    const offset = knownClockReading(queryClient)?.offset ?? 0;
    return sale !== undefined && Date.parse(sale.startsAt) - (Date.now() + offset) > RESCHEDULED_MS;
  };

  const placeWithRetries = async (gen: number, signal: AbortSignal): Promise<{ order: Order; statusUrl: string } | null> => {
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw new Cancelled();
      try {
        return await api<{ order: Order; statusUrl: string }>(`/api/sales/${saleId}/orders`, {
          method: "POST",
          headers: { "idempotency-key": idempotencyKey },
        });
      } catch (err) {
        if (!isCurrent(gen)) throw new Cancelled();
        // Not open yet by the server's reckoning: the sale may have been moved later since the page read
        // it (an admin's reschedule). Read it again; opening more than a moment from now, the press is
        // over and the button counts down to the new time, rather than retry 30 times into a message.
        if (err instanceof ApiError && err.code === "sale_not_started" && (await isRescheduled())) return null;
        const delay = automaticRetryDelay(err);
        if (delay === undefined || attempt >= MAX_ATTEMPTS || !(err instanceof ApiError)) throw err;
        setWait({ error: err, until: Date.now() + delay });
        setRetryError(err);
        await sleep(delay, signal);
        setWait(null);
      }
    }
  };

  const buy = useMutation({
    mutationKey: ["buy", saleId],
    // Sent at once even when the browser says it is offline: a failure shows our own message and a Try
    // again, where TanStack Query's default would hold the request and leave "Placing…" on screen.
    networkMode: "always",
    mutationFn: async ({ gen, signal }: { gen: number; signal: AbortSignal }) => {
      try {
        return await placeWithRetries(gen, signal);
      } finally {
        // retryError stays until the next press: it is read only while pending, and clearing it here
        // would flash "Placing your order." between the last attempt and its answer.
        if (isCurrent(gen)) {
          inFlight.current = false;
          setWait(null);
        }
      }
    },
    onSuccess: (placed, { gen }) => {
      if (!isCurrent(gen) || placed === null) return;
      const { order } = placed;
      queryClient.setQueryData(["order", order.id], order);
      queryClient.setQueryData(["my-order", saleId], order);
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
    },
    onError: async (err, { gen }) => {
      if (!isCurrent(gen)) return;
      if (isSignedOutError(err)) sessionEnded(queryClient);
      // The sale's stock or state moved under us: fetch the fresh one before the answer is shown, so
      // the panel judges a 410 against the stock as it is now (units may still be left, or come back).
      // At most a moment's wait: a store struggling to answer (its retries take seconds) must not keep
      // "Placing…" on screen; the panel then judges by the sale it has.
      if (err instanceof ApiError && (err.code === "sold_out" || err.code === "sale_ended")) {
        await Promise.race([queryClient.invalidateQueries({ queryKey: ["sale", saleId] }), new Promise((resolve) => setTimeout(resolve, FRESH_SALE_WAIT_MS))]);
      }
    },
  });

  const { reset } = buy;
  const cancel = useCallback(() => {
    generation.current++;
    controller.current?.abort();
    controller.current = null;
    inFlight.current = false;
    setWait(null);
    setRetryError(null);
  }, []);
  // Leaving the page stops the retries.
  useEffect(() => cancel, [cancel]);

  // Who pressed Buy, while the press or its answer is on screen; null once they have signed out since
  // (or their session expired), so the next sign-in, theirs again included, starts afresh.
  const buyer = useRef<string | null | undefined>(undefined);
  useEffect(() => {
    if (buyer.current === undefined || userId === buyer.current) return;
    if (inFlight.current) {
      // The shopper who pressed Buy signed out (or another signed in) while it was still being placed:
      // its retries would go out with someone else's cookie, or none. Stop them and forget the press.
      buyer.current = undefined;
      cancel();
      reset();
      return;
    }
    // A finished answer stays on screen through a sign-out (a 401 keeps its message), until someone
    // signs in: the same shopper signing in again after an expired session included.
    if (userId === undefined) {
      buyer.current = null;
      return;
    }
    buyer.current = undefined;
    reset();
  }, [userId, reset, cancel]);

  const start = () => {
    if (inFlight.current) return;
    inFlight.current = true;
    buyer.current = userId;
    setRetryError(null);
    const next = new AbortController();
    controller.current = next;
    buy.mutate({ gen: ++generation.current, signal: next.signal });
  };
  return { buy, start, wait, retryError };
}
