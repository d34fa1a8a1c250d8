"use client";

import { useSyncExternalStore } from "react";
import { formatTime } from "./format";

const subscribeNever = () => () => {};

/** False while the server renders and the page hydrates, true after: for values only the browser knows (its time zone). */
export function useIsClient(): boolean {
  return useSyncExternalStore(subscribeNever, () => true, () => false);
}

/**
 * A time in the reader's own time zone, the zone named. The server knows no reader's zone: it renders UTC,
 * named as such, and the browser renders its own zone once hydrated (a second render, not a hydration
 * mismatch, so React does not keep the server's text). `format` gives the wording; the zone is its second
 * argument (undefined: the browser's).
 */
export function LocalTime({ iso, format = formatTime }: { iso: string; format?: (iso: string, timeZone?: string) => string }) {
  const isClient = useIsClient();
  return <time dateTime={iso}>{format(iso, isClient ? undefined : "UTC")}</time>;
}
