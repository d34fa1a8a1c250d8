/**
 * A ref for a button that can go from the page while it has focus (the rows it counted left before
 * anyone asked for them): focus then moves to what `target` picks near it, rather than falling to the
 * page. React runs a ref's cleanup before it takes the element out, so focus and the page around the
 * button are still there. With `visibleOnly`, only the keyboard's focus (`:focus-visible`) moves.
 * Made once at module level, so React keeps the same ref across renders.
 */
export function focusOnRemoval(target: (button: HTMLElement) => HTMLElement | null | undefined, { visibleOnly = false, preventScroll = false } = {}) {
  return (button: HTMLElement | null) => () => {
    if (!button || document.activeElement !== button) return;
    if (visibleOnly && !button.matches(":focus-visible")) return;
    target(button)?.focus({ preventScroll });
  };
}
