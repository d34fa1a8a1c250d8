"use client";

import { useState } from "react";
import { AdminApiError } from "./api";

// A request answered but not yet seen through (a change the worker has not applied: it went to the dead
// letters; a dead letter still listed: another admin put it back) gives the row its buttons back after this.
const DONE_SHOWN_MS = 30_000;

/**
 * The requests a table's rows send (Ship, Cancel, Retry, Discard), each row's its own: `sent` holds a
 * row's request on its way or answered (`isDone`), so the row shows that instead of a second button to
 * press; `refused` holds why a row's request was refused or never answered, told on that row, its
 * buttons back. Each call reports its own outcome (a mutation's mutateAsync), where mutate()'s per-call
 * callbacks are dropped by the next row's call, and a refusal met while another row's request was on
 * its way went untold.
 */
export function useRowRequests<What>() {
  const [sent, setSent] = useState<Record<string, { what: What; isDone: boolean }>>({});
  const [refused, setRefused] = useState<Record<string, string>>({});
  /** Sends `request` for row `id`; gives its answer, or undefined once a refusal (`refusal(why)`) is told. */
  const send = async <T>(id: string, what: What, request: () => Promise<T>, refusal: (why: string) => string): Promise<T | undefined> => {
    const forget = () => setSent(({ [id]: _gone, ...rest }) => rest);
    setSent((all) => ({ ...all, [id]: { what, isDone: false } }));
    setRefused(({ [id]: _before, ...rest }) => rest);
    try {
      const answer = await request();
      setSent((all) => ({ ...all, [id]: { what, isDone: true } }));
      setTimeout(forget, DONE_SHOWN_MS);
      return answer;
    } catch (err) {
      forget();
      const why = err instanceof AdminApiError ? err.message : "Could not reach the server.";
      setRefused((all) => ({ ...all, [id]: refusal(why) }));
      return undefined;
    }
  };
  return { sent, refused, send };
}
