"use client";

import { formatDuration, useServerNow } from "./clock";

/**
 * Time left until `at` (ISO) on the server's clock. Shows placeholder digits of the same width
 * until the clock is measured, so nothing moves when it appears.
 */
export function Countdown({ at, label, className = "" }: { at: string; label: string; className?: string }) {
  const target = Date.parse(at);
  const now = useServerNow(target);
  const text = now === undefined ? "--:--" : formatDuration(target - now);
  return (
    <span className={`tabular-nums ${className}`} data-testid="countdown">
      {label} <time dateTime={at}>{text}</time>
    </span>
  );
}
