"use client";

import { useState } from "react";
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
