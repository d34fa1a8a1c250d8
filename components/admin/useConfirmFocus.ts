"use client";

import { useEffect, useRef } from "react";

/**
 * Keeps keyboard focus with a confirmation that takes its button's place ("End now" → "Yes…" / "Keep"):
 * when it opens, focus moves to its confirm button; when it closes, back to the button that opened it,
 * unless focus has gone somewhere else meanwhile. `asking` names the open confirmation (null: none);
 * `confirmRef` goes on the confirm button and `triggerRef(key)` on the button that opens `key`'s.
 *
 * An action that takes the buttons away (a confirmed Cancel, a Ship, a Discard, End now) calls `land()`
 * as it starts: focus moves to what `landing` returns (the row's status, say: an element on screen before
 * and after, made focusable with tabIndex -1), so it does not fall to <body> with the buttons. Given the
 * click that took the action, `land` leaves the page where it is when the pointer took it (a click's
 * `detail` counts the presses, 0 for Enter or Space): a landing above the screen, a table's count
 * while the admin works far down its rows, would otherwise scroll the page up under their pointer. From
 * the keyboard the page scrolls to show where focus went.
 */
export function useConfirmFocus<K>(asking: K | null, landing?: () => HTMLElement | null | undefined) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  const triggers = useRef(new Map<K, HTMLButtonElement>());
  const wasAsking = useRef<K | null>(null);
  useEffect(() => {
    const closed = wasAsking.current;
    wasAsking.current = asking;
    if (asking !== null) {
      confirmRef.current?.focus();
      return;
    }
    // The confirmation's buttons are gone, so focus fell to <body>: hand it back to its opener.
    const isFocusLost = document.activeElement === null || document.activeElement === document.body;
    if (closed !== null && isFocusLost) triggers.current.get(closed)?.focus();
  }, [asking]);
  const triggerRef = (key: K) => (el: HTMLButtonElement | null) => {
    if (el) triggers.current.set(key, el);
    else triggers.current.delete(key);
  };
  const land = (click?: { detail: number }) => landing?.()?.focus({ preventScroll: (click?.detail ?? 0) > 0 });
  return { confirmRef, triggerRef, land };
}
