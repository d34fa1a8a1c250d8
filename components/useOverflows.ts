"use client";

import { useEffect, useState, type RefObject } from "react";

/**
 * Whether the element's content overflows its box, sideways (`x`: a table wider than its region) or
 * downwards (`y`: a description taller than the lines it is cut to), measured again whenever the element
 * changes size, or the one `inside` selects in it (a table whose rows change its width), or `content`
 * changes (new text cut to the same height changes nothing a ResizeObserver sees).
 */
export function useOverflows(ref: RefObject<HTMLElement | null>, axis: "x" | "y", { inside, content }: { inside?: string; content?: unknown } = {}): boolean {
  const [overflows, setOverflows] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const check = () => setOverflows(axis === "x" ? el.scrollWidth > el.clientWidth + 1 : el.scrollHeight > el.clientHeight + 1);
    check();
    const observer = new ResizeObserver(check);
    observer.observe(el);
    const child = inside ? el.querySelector(inside) : null;
    if (child) observer.observe(child);
    return () => observer.disconnect();
  }, [ref, axis, inside, content]);
  return overflows;
}
