"use client";

import { useState, type MouseEvent } from "react";
import { focusOnRemoval } from "@/components/focusOnRemoval";
import { useInside } from "@/components/useInside";

type Held<Row> = { key: string | null; rows: Row[] };

/**
 * The rows of a live table, newest first, held in their places while the pointer or keyboard focus is
 * in the table: a new row would otherwise slide every row down under the cursor just as the admin
 * clicks a row's button. The held rows still show their latest state (each is drawn from `fresh`, the
 * latest answer); one that has left the answer goes, as the admin's own action would have it; rows of
 * the answer after the last held one (older rows filling the page as held ones leave it) are shown
 * below them, where they move nothing; the rest, newer rows, wait behind `ShowNewer` until the admin
 * leaves the table or asks for them. When every held row has left the answer at once (a page of orders
 * under the *completed* filter all shipped), `isNewer` (the answer's own order, newest first) tells the
 * rows that came in above the newest of them, which wait, from older ones filling the page, shown.
 *
 * A hold is for one query (`key`: its filter, search, page): the admin's own change of those shows its
 * rows at once, and they are held in turn once they arrive (`isAnswered`: `fresh` is that query's own
 * answer, not the previous one's shown while it loads).
 */
export function useRowHold<Row extends { id: string }>(
  fresh: Row[],
  { key, isAnswered, isNewer }: { key: string; isAnswered: boolean; isNewer: (row: Row, than: Row) => boolean },
) {
  const [held, setHeld] = useState<Held<Row> | null>(null);
  // Held over another query: the admin asked for this one, so its rows are held as they arrive.
  if (held && held.key !== key && isAnswered) setHeld({ key, rows: fresh });
  const heldRows = held?.key === key ? held.rows : null;
  const freshById = new Map(fresh.map((row) => [row.id, row]));
  let rows = fresh;
  if (heldRows) {
    const isHeld = new Set(heldRows.map((row) => row.id));
    const lastHeld = fresh.findLastIndex((row) => isHeld.has(row.id));
    const newest = heldRows[0];
    const below = lastHeld >= 0 ? fresh.slice(lastHeld + 1) : newest ? fresh.filter((row) => !isNewer(row, newest)) : [];
    rows = [...heldRows.flatMap((row) => freshById.get(row.id) ?? []), ...below];
  }
  const hold = () => setHeld((before) => before ?? (isAnswered ? { key, rows: fresh } : { key: null, rows: [] }));
  const holdProps = useInside(hold, () => setHeld(null));
  return {
    rows,
    /** Rows of the latest answer not on screen: arrived above the held ones while the table was held. */
    newer: heldRows ? fresh.length - rows.length : 0,
    /** Shows the latest answer's rows, and holds those. */
    showNewer: () => setHeld({ key, rows: fresh }),
    /** For the element around the table (its scroll region). */
    holdProps,
  };
}

/**
 * "Show 3 newer orders": always one line high, so the button coming and going moves no row. Pressed, it
 * goes, and focus moves to the table's region around it rather than falling to the page. It also goes
 * when the rows it counted leave the list before anyone asks for them (another admin discarded the newer
 * dead letter): focus on it then moves to the region too.
 */
export function ShowNewer({ newer, one, many, onClick }: { newer: number; one: string; many: string; onClick: () => void }) {
  const press = (e: MouseEvent<HTMLButtonElement>) => {
    e.currentTarget.closest<HTMLElement>('[role="region"]')?.focus();
    onClick();
  };
  return (
    <div className="h-6 text-xs">
      {newer > 0 && (
        <button type="button" ref={handFocusToRegion} onClick={press} className="rounded border border-zinc-300 px-2 py-0.5 dark:border-zinc-700" data-testid="show-newer">
          Show {newer} newer {newer === 1 ? one : many}
        </button>
      )}
    </div>
  );
}

// As it goes with focus on it, focus goes to the table's region around it.
const handFocusToRegion = focusOnRemoval((button) => button.closest<HTMLElement>('[role="region"]'), { preventScroll: true });
