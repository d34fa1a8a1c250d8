"use client";

import type { UseQueryResult } from "@tanstack/react-query";
import { useEffect, useState } from "react";

type Refreshing = Pick<UseQueryResult, "data" | "dataUpdatedAt" | "isError" | "error" | "failureCount" | "failureReason" | "isFetching">;

// A refresh still unanswered after this is slow enough to say so: in a storm a refresh can take
// seconds, and figures that look live would be read as the present.
const SLOW_REFRESH_MS = 3000;

/**
 * Tells the admin when a refreshing view shows old data: its last refresh failed (a 503 while the
 * database restarts, the network gone), or the one in flight has been waiting for over 3 s (a busy
 * server), and what is on screen dates from the last success. The region is always there and polite,
 * so a screen reader hears the note come and go without being interrupted. While all is well it says
 * how often the view refreshes (`every`), in a line of the note's own height: a note that came and went
 * would move the rows below it, and a click aimed at one row's Ship would land on its neighbour's.
 */
export function StaleNote({ query, what = "figures from", every }: { query: Refreshing; what?: string; every: string }) {
  // failureCount counts the failures of the fetch in flight (retries included) and restarts at each new
  // fetch; isError holds from the last failed fetch until one succeeds. Either means the data is old.
  const isFailing = query.data !== undefined && (query.failureCount > 0 || query.isError);
  const isSlow = useIsSlow(query.data !== undefined && query.isFetching && !isFailing, query.dataUpdatedAt);
  const reason = query.failureReason ?? query.error;
  const since = new Date(query.dataUpdatedAt).toLocaleTimeString("en-GB");
  return (
    <div aria-live="polite">
      {isFailing && (
        <p data-testid="stale-note" className="rounded-md bg-amber-100 px-3 py-2 text-sm text-amber-900 dark:bg-amber-900/40 dark:text-amber-100">
          Can&apos;t reach the server — showing {what} {since}.
          {reason?.message ? <span className="text-amber-800 dark:text-amber-200"> ({reason.message})</span> : null}
        </p>
      )}
      {isSlow && (
        <p data-testid="stale-note" className="rounded-md bg-amber-100 px-3 py-2 text-sm text-amber-900 dark:bg-amber-900/40 dark:text-amber-100">
          The server is slow to answer — showing {what} {since}.
        </p>
      )}
      {!isFailing && !isSlow && <p className="px-3 py-2 text-sm text-zinc-600 dark:text-zinc-400">{every}</p>}
    </div>
  );
}

/**
 * True once a refresh has been in flight for SLOW_REFRESH_MS, until data newer than `since` (the last
 * success) arrives: the flag is kept for the data it was raised over.
 */
function useIsSlow(isRefreshing: boolean, since: number): boolean {
  const [slowOver, setSlowOver] = useState<number | null>(null);
  useEffect(() => {
    if (!isRefreshing) return;
    const timer = setTimeout(() => setSlowOver(since), SLOW_REFRESH_MS);
    return () => clearTimeout(timer);
  }, [isRefreshing, since]);
  return isRefreshing && slowOver === since;
}
