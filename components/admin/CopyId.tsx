"use client";

import { useEffect, useState } from "react";

const SHOWN_MS = 3000;

/**
 * An id shown short (`short`, by default its first 8 characters), as the tables show it, with a button
 * that copies the whole id (for the "Send change" form or a support ticket). Where the browser will not
 * copy (a page over plain HTTP has no clipboard API), the whole id is shown instead, selected by one click.
 */
export function CopyId({ id, what, short = id.slice(0, 8) }: { id: string; what: string; short?: string }) {
  const [outcome, setOutcome] = useState<"copied" | "failed" | null>(null);
  useEffect(() => {
    if (outcome !== "copied") return;
    const timer = setTimeout(() => setOutcome(null), SHOWN_MS);
    return () => clearTimeout(timer);
  }, [outcome]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(id);
      setOutcome("copied");
    } catch {
      setOutcome("failed");
    }
  };
  return (
    <span className="flex items-center gap-2 whitespace-nowrap">
      {outcome === "failed" ? (
        // A read-only field, so a keyboard user can reach the id too; it selects itself when focused.
        <input readOnly value={id} aria-label={`Full ${what} ${short}`} size={36} onFocus={(e) => e.currentTarget.select()} className="rounded border border-zinc-300 bg-transparent px-1 font-mono text-xs dark:border-zinc-700" />
      ) : (
        <span title={id}>{short}</span>
      )}
      <button type="button" onClick={copy} aria-label={`Copy ${what} ${short}`} className="rounded border border-zinc-300 px-1.5 font-sans text-xs dark:border-zinc-700">
        Copy
      </button>
      <span role="status" className={`font-sans text-xs ${outcome === "failed" ? "text-zinc-600 dark:text-zinc-400" : "text-emerald-700 dark:text-emerald-400"}`}>
        {outcome === "copied" ? "Copied" : outcome === "failed" ? "Copy the id from the field" : ""}
      </span>
    </span>
  );
}
