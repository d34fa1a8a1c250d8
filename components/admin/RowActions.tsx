"use client";

import { useState, type MouseEvent } from "react";
import { useConfirmFocus } from "./useConfirmFocus";

/** One button of a row. With `confirm`, the first click asks (that label, or Keep) before anything is sent. */
export type RowAction = { label: string; onClick: () => void; isDanger?: boolean; confirm?: string };

const plain = "rounded border border-zinc-300 px-2 py-0.5 dark:border-zinc-700";
const danger = "rounded border border-red-400 px-2 py-0.5 text-red-600";
const dangerSolid = "rounded bg-red-600 px-2 py-0.5 font-semibold text-white";

/**
 * The buttons at the end of an admin table's row: Retry/Discard, Ship/Cancel. What cannot be undone asks
 * first; the question takes the buttons' place, so keyboard focus goes with it (Escape is Keep). An action
 * taken (confirmed, or one that does not ask) takes the buttons away, so focus moves to `landing`: what
 * stays on screen (the row's status, the list's count) rather than falling to the page.
 */
export function RowActions({ actions, landing }: { actions: RowAction[]; landing: () => HTMLElement | null | undefined }) {
  const [asking, setAsking] = useState<RowAction | null>(null);
  const { confirmRef, triggerRef, land } = useConfirmFocus(asking?.label ?? null, landing);
  const run = (action: RowAction, click: MouseEvent) => {
    land(click);
    setAsking(null);
    action.onClick();
  };
  if (asking) {
    return (
      <span className="flex gap-2" onKeyDown={(e) => e.key === "Escape" && setAsking(null)}>
        <button ref={confirmRef} type="button" onClick={(e) => run(asking, e)} className={dangerSolid}>
          {asking.confirm}
        </button>
        <button type="button" onClick={() => setAsking(null)} className={plain}>
          Keep
        </button>
      </span>
    );
  }
  return (
    <span className="flex gap-2">
      {actions.map((action) => (
        <button
          key={action.label}
          ref={triggerRef(action.label)}
          type="button"
          onClick={(e) => (action.confirm ? setAsking(action) : run(action, e))}
          className={action.isDanger ? danger : plain}
        >
          {action.label}
        </button>
      ))}
    </span>
  );
}
