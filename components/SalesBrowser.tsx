"use client";

import { useQuery } from "@tanstack/react-query";
import { useState, type MouseEvent } from "react";
import type { Sale, SaleState } from "@/db/sales";
import { api } from "./api";
import { ListClock, stateAt, useServerNow, useSpreadPeriod } from "./clock";
import { focusOnRemoval } from "./focusOnRemoval";
import { SaleCard } from "./SaleCard";
import { useInside } from "./useInside";

const time = (iso: string) => Date.parse(iso);
const soonestFirst = (a: Sale, b: Sale) => time(a.startsAt) - time(b.startsAt);

// What is on or coming first, soonest first; what is over, latest first. The server lists only the last
// few ended sales, so that group says so.
const groups: { state: SaleState; title: string; isShownEmpty?: boolean; order: (a: Sale, b: Sale) => number }[] = [
  { state: "live", title: "Live now", isShownEmpty: true, order: soonestFirst },
  { state: "scheduled", title: "Upcoming", order: soonestFirst },
  { state: "sold_out", title: "Sold out", order: (a, b) => time(b.startsAt) - time(a.startsAt) },
  { state: "ended", title: "Recently ended", order: (a, b) => time(b.endsAt) - time(a.endsAt) },
];

/** Each sale's state at server time `now`, by id: the group it is listed in, unless the list is held. */
function statesAt(list: Sale[], now: number | undefined): Map<string, SaleState> {
  return new Map(list.map((sale) => [sale.id, stateAt(sale, now)]));
}

/**
 * The home page's sales, grouped by their state on the server's clock and kept fresh. One clock for the
 * whole list, on the server's whole seconds: a sale moves between groups, and every card's countdown
 * changes digit, in the one render of each second (the cards themselves are memoized).
 *
 * While the pointer or keyboard focus is on the list, each sale keeps the group it had when they came
 * in, its card showing its latest state: at a sale's opening second the shopper waiting on its card
 * sees it turn live where it is, rather than the next card sliding into its place as it moves up to
 * Live now, and a keyboard user's focused card is not taken out of its group (and focus with it). The
 * list regroups once both have left, and shows any sale new to it meanwhile; until then a button beside
 * Live now's heading says how many have come and shows them. On a touch screen the pointer leaves as the
 * finger lifts, so there the card moves.
 */
export function SalesBrowser({ initialSales }: { initialSales: Sale[] }) {
  const pollMs = useSpreadPeriod(5000);
  const sales = useQuery({
    queryKey: ["sales"],
    queryFn: async () => (await api<{ sales: Sale[] }>("/api/sales")).sales,
    initialData: initialSales,
    // Stock bars move while sales are live; a slower pace is enough for a list.
    refetchInterval: pollMs,
  });
  const now = useServerNow();
  const list = sales.data;
  const states = statesAt(list, now);
  const [heldPlaces, setHeldPlaces] = useState<Map<string, SaleState> | null>(null);
  const holdProps = useInside(
    () => setHeldPlaces((held) => held ?? states),
    () => setHeldPlaces(null),
    { focus: "visible" },
  );

  // While held, a sale new to the list waits until the hold ends or the shopper asks for it: a new live
  // one would otherwise push every card below Live now down under the pointer.
  const shown = heldPlaces ? list.filter((sale) => heldPlaces.has(sale.id)) : list;
  const waiting = list.length - shown.length;
  // Pressed, the button goes and the list as it is now is held in turn. Pressed from the keyboard, focus
  // moves to Live now's heading, where the button was, rather than falling to the page, which would end
  // the keyboard user's hold; a click leaves it alone (the pointer holds the list, and a heading focused
  // by a click would hold it, as keyboard focus, after the next key pressed).
  const showWaiting = (e: MouseEvent<HTMLButtonElement>) => {
    if (e.currentTarget.matches(":focus-visible")) e.currentTarget.closest("section")?.querySelector<HTMLElement>("h2")?.focus();
    setHeldPlaces(states);
  };
  const byState = new Map<SaleState, Sale[]>();
  for (const sale of shown) {
    const group = heldPlaces?.get(sale.id) ?? states.get(sale.id)!;
    byState.set(group, [...(byState.get(group) ?? []), sale]);
  }
  // Live now when it lists nothing: while a sale that has just opened is held below, it says where it is.
  const emptyLive = shown.some((sale) => states.get(sale.id) === "live")
    ? "A sale has just opened: it is below, where it was."
    : `Nothing on sale this minute. ${byState.has("scheduled") ? "See what opens next below." : "Check back soon."}`;
  return (
    <ListClock.Provider value={now}>
      {/* Always drawn, so a hold never outlives the list (an element taken away fires no pointer-leave). */}
      <div className="space-y-10" {...holdProps}>
        {list.length === 0 && (
          <p className="rounded-2xl border border-dashed border-zinc-300 p-10 text-center text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">No sales yet. Check back soon.</p>
        )}
        {list.length > 0 && groups.map(({ state, title, isShownEmpty, order }) => {
          const items = (byState.get(state) ?? []).sort(order);
          if (items.length === 0 && !isShownEmpty) return null;
          return (
            <section key={state} aria-labelledby={`group-${state}`} data-testid={`group-${state}`}>
              {/* The button fits in the heading's line, on a phone too (it reads "3 new" there), so its coming
                  and going moves no card. */}
              <div className="mb-4 flex items-center justify-between gap-3">
                <h2 id={`group-${state}`} tabIndex={state === "live" ? -1 : undefined} className="text-xl font-bold whitespace-nowrap">
                  {title} <span className="text-base font-normal text-zinc-600 dark:text-zinc-400">({items.length})</span>
                </h2>
                {state === "live" && waiting > 0 && (
                  <button type="button" ref={handFocusToHeading} onClick={showWaiting} className="shrink-0 rounded-full border border-zinc-300 px-3 py-0.5 text-sm whitespace-nowrap dark:border-zinc-700">
                    <span className="max-sm:sr-only">Show </span>
                    {waiting} new<span className="max-sm:sr-only"> {waiting === 1 ? "sale" : "sales"}</span>
                  </button>
                )}
              </div>
              {items.length === 0 ? (
                <p className="text-zinc-600 dark:text-zinc-400">{emptyLive}</p>
              ) : (
                <ul className="grid grid-cols-1 gap-5 sm:grid-cols-2 lg:grid-cols-3">
                  {items.map((sale) => (
                    <li key={sale.id}>
                      <SaleCard sale={sale} state={states.get(sale.id)!} />
                    </li>
                  ))}
                </ul>
              )}
            </section>
          );
        })}
      </div>
    </ListClock.Provider>
  );
}

/**
 * The waiting sales' button also goes when the sales it counted leave the list before they are shown;
 * the keyboard's focus on it then goes to Live now's heading, as a press from the keyboard sends it.
 */
const handFocusToHeading = focusOnRemoval((button) => button.closest("section")?.querySelector<HTMLElement>("h2"), { visibleOnly: true });
