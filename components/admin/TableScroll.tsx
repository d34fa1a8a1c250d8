"use client";

import { useCallback, useEffect, useId, useRef, useState, type HTMLAttributes, type ReactNode, type Ref } from "react";

type Props = { label: string; ref?: Ref<HTMLDivElement>; children: ReactNode } & HTMLAttributes<HTMLDivElement>;

/**
 * A table wider than the screen scrolls sideways inside this region rather than widening the page. While
 * it is wider, the region is a Tab stop (a keyboard user scrolls it with the arrow keys) and a line above
 * it, also its description, says that it scrolls; where the table fits, neither, though the region can
 * still take focus from the page itself (an action whose row went away lands on it).
 */
export function TableScroll({ label, ref, children, className = "", ...rest }: Props) {
  const hintId = useId();
  const inner = useRef<HTMLDivElement | null>(null);
  const [isScrollable, setIsScrollable] = useState(false);
  const setRefs = useCallback(
    (el: HTMLDivElement | null) => {
      inner.current = el;
      if (typeof ref === "function") ref(el);
      else if (ref) ref.current = el;
    },
    [ref],
  );
  useEffect(() => {
    const el = inner.current;
    if (!el) return;
    const check = () => setIsScrollable(el.scrollWidth > el.clientWidth + 1);
    check();
    // The region's width changes with the window; the table's with its rows.
    const observer = new ResizeObserver(check);
    observer.observe(el);
    if (el.firstElementChild) observer.observe(el.firstElementChild);
    return () => observer.disconnect();
  }, []);
  return (
    <div className="space-y-1">
      {isScrollable && (
        <p id={hintId} className="text-xs text-zinc-500">
          Scroll the table sideways for every column →
        </p>
      )}
      <div
        ref={setRefs}
        role="region"
        aria-label={label}
        aria-describedby={isScrollable ? hintId : undefined}
        tabIndex={isScrollable ? 0 : -1}
        className={`overflow-x-auto rounded focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 ${className}`}
        {...rest}
      >
        {children}
      </div>
    </div>
  );
}
