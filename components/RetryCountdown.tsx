"use client";

import { useEffect, useState } from "react";

/** Whole seconds left until `until` (browser clock: a Retry-After is a relative wait, not a time of day). */
export function RetryCountdown({ until }: { until: number }) {
  const [left, setLeft] = useState(() => Math.max(0, Math.ceil((until - Date.now()) / 1000)));
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      const ms = until - Date.now();
      setLeft(Math.max(0, Math.ceil(ms / 1000)));
      if (ms > 0) timer = setTimeout(tick, ms % 1000 || 1000);
    };
    timer = setTimeout(tick, 0);
    return () => clearTimeout(timer);
  }, [until]);
  return (
    <span className="tabular-nums" data-testid="retry-countdown">
      {left}s
    </span>
  );
}
