"use client";

import { useEffect, useRef, useState } from "react";

/**
 * Whole seconds left until `until` (browser clock: a Retry-After is a relative wait, not a time of day).
 * `onDone` is called once when it reaches 0.
 */
export function RetryCountdown({ until, onDone }: { until: number; onDone?: () => void }) {
  const [left, setLeft] = useState(() => Math.max(0, Math.ceil((until - Date.now()) / 1000)));
  const done = useRef(onDone);
  useEffect(() => {
    done.current = onDone;
  }, [onDone]);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      const ms = until - Date.now();
      setLeft(Math.max(0, Math.ceil(ms / 1000)));
      if (ms > 0) timer = setTimeout(tick, ms % 1000 || 1000);
      else done.current?.();
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
