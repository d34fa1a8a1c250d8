"use client";

import { useCallback, useId, useRef, type HTMLAttributes, type ReactNode, type Ref } from "react";
import { useOverflows } from "@/components/useOverflows";

type Props = { label: string; ref?: Ref<HTMLDivElement>; children: ReactNode } & HTMLAttributes<HTMLDivElement>;

/**
 * A table wider than the screen scrolls sideways inside this region rather than widening the page. The
 * region is named; while the table is wider than it, it is also a Tab stop (a keyboard user scrolls it
 * with the arrow keys), described by the line that says it scrolls. Where the table fits it is no Tab
 * stop, though it can still take focus from the page itself (an action whose row went away lands on it).
 * The line itself shows on narrow screens only, where browsers hide scrollbars, whatever the table's
 * width: only attributes follow the measurement, never the layout, so showing them cannot change the
 * width they were measured at. Its focus ring is the page's own (`:focus-visible` in app/globals.css).
 */
export function TableScroll({ label, ref, children, className = "", ...rest }: Props) {
  const hintId = useId();
  const inner = useRef<HTMLDivElement | null>(null);
  const setRefs = useCallback(
    (el: HTMLDivElement | null) => {
      inner.current = el;
      if (typeof ref === "function") ref(el);
      else if (ref) ref.current = el;
    },
    [ref],
  );
  // The region's width changes with the window; the table's with its rows. The table itself, not the
  // region's first child: a line above it (a "Show newer" button) is as wide as the region.
  const isScrollable = useOverflows(inner, "x", { inside: "table" });
  return (
    <div className="space-y-1">
      <p id={hintId} className="text-xs text-zinc-500 sm:hidden">
        Scroll the table sideways for every column →
      </p>
      <div
        ref={setRefs}
        role="region"
        aria-label={label}
        aria-describedby={isScrollable ? hintId : undefined}
        tabIndex={isScrollable ? 0 : -1}
        className={`overflow-x-auto rounded ${className}`}
        {...rest}
      >
        {children}
      </div>
    </div>
  );
}
