"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import type { Order } from "@/db/orders";
import { api, ApiError } from "./api";

/** The store asked us to come back later: which answer, and until when (browser clock, a relative wait). */
export type RetryWait = { code: string; until: number };

// Enough automatic attempts to ride out a rush; past that the shopper decides.
const MAX_ATTEMPTS = 30;

/** How long to wait before asking again by ourselves, or undefined when a repeat cannot help. */
function automaticRetryDelay(err: unknown): number | undefined {
  if (!(err instanceof ApiError)) return undefined;
  if (err.code === "busy" || err.code === "rate_limited") return (err.retryAfterSeconds ?? 1) * 1000;
  // Our clock said open a moment before the server's did: try again just after.
  if (err.code === "sale_not_started") return 500;
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Buy in one sale, as the signed-in shopper `userId`. One Idempotency-Key per page: every retry,
 * automatic (429/503 after Retry-After) or by hand (network failure), resends the same key, so it can
 * never make a second order. A Buy belongs to the shopper who pressed it: once another signs in on
 * the same page, its answer is forgotten.
 */
export function useBuy(saleId: string, userId: string | undefined) {
  const queryClient = useQueryClient();
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const [wait, setWait] = useState<RetryWait | null>(null);
  // A double click lands twice before React re-renders the button disabled: this ref is the real guard.
  const inFlight = useRef(false);

  const placeWithRetries = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await api<{ order: Order; statusUrl: string }>(`/api/sales/${saleId}/orders`, {
          method: "POST",
          headers: { "idempotency-key": idempotencyKey },
        });
      } catch (err) {
        const delay = automaticRetryDelay(err);
        if (delay === undefined || attempt >= MAX_ATTEMPTS || !(err instanceof ApiError)) throw err;
        setWait({ code: err.code, until: Date.now() + delay });
        await sleep(delay);
        setWait(null);
      }
    }
  };

  const buy = useMutation({
    mutationKey: ["buy", saleId],
    // Sent at once even when the browser says it is offline: a failure shows our own message and a Try
    // again, where TanStack Query's default would hold the request and leave "Placing…" on screen.
    networkMode: "always",
    mutationFn: async () => {
      try {
        return await placeWithRetries();
      } finally {
        inFlight.current = false;
      }
    },
    onSuccess: ({ order }) => {
      queryClient.setQueryData(["order", order.id], order);
      queryClient.setQueryData(["my-order", saleId], order);
      void queryClient.invalidateQueries({ queryKey: ["orders"] });
    },
    onError: (err) => {
      if (err instanceof ApiError && err.code === "unauthenticated") queryClient.setQueryData(["session"], null);
      // The sale's stock or state moved under us: show the fresh one.
      if (err instanceof ApiError && (err.code === "sold_out" || err.code === "sale_ended")) {
        void queryClient.invalidateQueries({ queryKey: ["sale", saleId] });
      }
    },
  });

  const buyer = useRef<string | undefined>(undefined);
  const { reset } = buy;
  useEffect(() => {
    if (userId === undefined || buyer.current === undefined || userId === buyer.current) return;
    buyer.current = undefined;
    reset();
  }, [userId, reset]);

  const start = () => {
    if (inFlight.current) return;
    inFlight.current = true;
    buyer.current = userId;
    buy.mutate();
  };
  return { buy, start, wait };
}
