import type { HTMLAttributes, ReactNode, Ref } from "react";

type Props = { label: string; ref?: Ref<HTMLDivElement>; children: ReactNode } & HTMLAttributes<HTMLDivElement>;

/**
 * A table wider than the screen scrolls sideways inside this region rather than widening the page. The
 * region is named and focusable, so a keyboard user can reach it and scroll it with the arrow keys; on a
 * narrow screen, where browsers hide scrollbars, a line above it says that it scrolls.
 */
export function TableScroll({ label, ref, children, className = "", ...rest }: Props) {
  return (
    <div className="space-y-1">
      <p className="text-xs text-zinc-500 sm:hidden">Scroll the table sideways for every column →</p>
      <div ref={ref} role="region" aria-label={label} tabIndex={0} className={`overflow-x-auto rounded focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 ${className}`} {...rest}>
        {children}
      </div>
    </div>
  );
}
