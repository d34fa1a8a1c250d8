"use client";

import { useState } from "react";
import { UNAVAILABLE_RETRY_MS, useSpreadPeriod } from "./clock";
import { isRetryable } from "./messages";

/**
 * The failure to show for a query with nothing on screen yet: its error, or, while a new attempt after a
 * failure the store may recover from is on its way, that last failure. With no data, each new attempt
 * starts over as "loading" in TanStack Query (error cleared, retries and all): the failure stays on
 * screen meanwhile, rather than the page flickering between it and a placeholder (and an alert being
 * read out again) every few seconds. Null once there is data (null too: an answer of "none").
 */
export function useShownFailure(query: { data: unknown; error: Error | null; isPending: boolean }): Error | null {
  const [lastError, setLastError] = useState<Error | null>(null);
  const hasData = query.data !== undefined;
  const failure = hasData ? null : query.error;
  if (failure && failure !== lastError) setLastError(failure);
  if (hasData && lastError) setLastError(null);
  if (hasData) return null;
  return query.error ?? (query.isPending && isRetryable(lastError) ? lastError : null);
}

/**
 * The shopper's order views' rule for asking again after a failure the store may recover from (a 503
 * while the database restarts, the network gone, retries spent): every `UNAVAILABLE_RETRY_MS`, spread
 * once per view, until it answers, so the page recovers without a reload. By default only while nothing
 * is on screen; `alsoOverData` asks again after a failed refresh of what is shown too. The returned
 * function gives a query's state its period, or `undefined` where the rule does not apply, for the
 * view's own `refetchInterval` to decide.
 */
export function useUnavailableRetry({ alsoOverData = false } = {}): (state: { data: unknown; error: unknown }) => number | undefined {
  const periodMs = useSpreadPeriod(UNAVAILABLE_RETRY_MS);
  return (state) => ((alsoOverData || state.data === undefined) && isRetryable(state.error) ? periodMs : undefined);
}
