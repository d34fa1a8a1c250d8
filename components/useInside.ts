"use client";

import { useRef, type FocusEvent, type PointerEvent } from "react";

/**
 * Props for an element that holds what it shows in place while the pointer or keyboard focus is in it
 * (a live table's rows, the home page's groups): `onEnter` when either comes in, `onLeave` once both
 * have left. Focus counts too, so an action that moves focus out while the pointer is still on the rows
 * (or the keyboard user's focus while the pointer is elsewhere) keeps the hold. A focused element
 * removed from the page takes focus with it without a blur, so when the pointer leaves the page itself
 * is asked whether focus is still inside. With `focus: "visible"`, only focus the browser shows (the
 * keyboard's, `:focus-visible`) counts: a link focused by a click, kept focused after a Ctrl-click
 * that opened it in another tab, does not hold a list the pointer has left.
 */
export function useInside(onEnter: () => void, onLeave: () => void, { focus = "any" }: { focus?: "any" | "visible" } = {}) {
  const inside = useRef({ pointer: false, focus: false });
  const holds = (focused: Element) => focus === "any" || focused.matches(":focus-visible");
  const enter = (what: "pointer" | "focus") => {
    inside.current[what] = true;
    onEnter();
  };
  const leave = (what: "pointer" | "focus", element: HTMLElement) => {
    inside.current[what] = false;
    const focused = document.activeElement;
    if (!focused || !element.contains(focused) || !holds(focused)) inside.current.focus = false;
    if (!inside.current.pointer && !inside.current.focus) onLeave();
  };
  return {
    onPointerEnter: () => enter("pointer"),
    onPointerLeave: (e: PointerEvent<HTMLElement>) => leave("pointer", e.currentTarget),
    onFocus: (e: FocusEvent<HTMLElement>) => {
      if (holds(e.target)) enter("focus");
    },
    onBlur: (e: FocusEvent<HTMLElement>) => {
      if (!e.currentTarget.contains(e.relatedTarget)) leave("focus", e.currentTarget);
    },
  };
}
