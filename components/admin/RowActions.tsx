"use client";

export type RowAction = { label: string; onClick: () => void; disabled?: boolean; isDanger?: boolean };

const plain = "rounded border border-zinc-300 px-2 py-0.5 dark:border-zinc-700";
const danger = "rounded border border-red-400 px-2 py-0.5 text-red-600";

/** The buttons at the end of an admin table's row: Retry/Discard, Ship/Cancel. */
export function RowActions({ actions }: { actions: RowAction[] }) {
  return (
    <span className="flex gap-2">
      {actions.map((action) => (
        <button key={action.label} type="button" onClick={action.onClick} disabled={action.disabled} className={action.isDanger ? danger : plain}>
          {action.label}
        </button>
      ))}
    </span>
  );
}
