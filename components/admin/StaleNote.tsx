"use client";

import type { UseQueryResult } from "@tanstack/react-query";

type Refreshing = Pick<UseQueryResult, "data" | "dataUpdatedAt" | "isError" | "error" | "failureCount" | "failureReason">;

/**
 * Tells the admin when a refreshing view shows old data: its last refresh failed (a 503 while the
 * database restarts, the network gone) and what is on screen dates from the last success. The region is
 * always there and polite, so a screen reader hears the note come and go without being interrupted.
 * Nothing shows while the view has no data yet: the view says that itself.
 */
export function StaleNote({ query, what = "figures from" }: { query: Refreshing; what?: string }) {
  // failureCount counts the failures of the fetch in flight (retries included) and restarts at each new
  // fetch; isError holds from the last failed fetch until one succeeds. Either means the data is old.
  const isStale = query.data !== undefined && (query.failureCount > 0 || query.isError);
  const reason = query.failureReason ?? query.error;
  return (
    <div aria-live="polite">
      {isStale && (
        <p data-testid="stale-note" className="rounded-md bg-amber-100 px-3 py-2 text-sm text-amber-900 dark:bg-amber-900/40 dark:text-amber-100">
          Can&apos;t reach the server — showing {what} {new Date(query.dataUpdatedAt).toLocaleTimeString("en-GB")}.
          {reason?.message ? <span className="text-amber-800 dark:text-amber-200"> ({reason.message})</span> : null}
        </p>
      )}
    </div>
  );
}
