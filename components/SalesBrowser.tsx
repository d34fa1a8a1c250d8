"use client";

import { useQuery } from "@tanstack/react-query";
import type { Sale, SaleState } from "@/db/sales";
import { api } from "./api";
import { stateAt, useServerNow } from "./clock";
import { SaleCard } from "./SaleCard";

const groups: { state: SaleState; title: string; empty?: string }[] = [
  { state: "live", title: "Live now", empty: "Nothing on sale this minute." },
  { state: "scheduled", title: "Upcoming" },
  { state: "sold_out", title: "Sold out" },
  { state: "ended", title: "Ended" },
];

/** The home page's sales, grouped by their state on the server's clock and kept fresh. */
export function SalesBrowser({ initialSales }: { initialSales: Sale[] }) {
  const sales = useQuery({
    queryKey: ["sales"],
    queryFn: async () => (await api<{ sales: Sale[] }>("/api/sales")).sales,
    initialData: initialSales,
    // Stock bars move while sales are live; a slower pace is enough for a list.
    refetchInterval: 5000,
  });
  const now = useServerNow();
  const list = sales.data;

  if (list.length === 0) {
    return <p className="rounded-2xl border border-dashed border-zinc-300 p-10 text-center text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">No sales yet. Check back soon.</p>;
  }
  const byState = new Map<SaleState, Sale[]>();
  for (const sale of list) {
    const state = stateAt(sale, now);
    byState.set(state, [...(byState.get(state) ?? []), sale]);
  }
  return (
    <div className="space-y-10">
      {groups.map(({ state, title, empty }) => {
        const items = byState.get(state) ?? [];
        if (items.length === 0 && !empty) return null;
        return (
          <section key={state} aria-labelledby={`group-${state}`} data-testid={`group-${state}`}>
            <h2 id={`group-${state}`} className="mb-4 text-xl font-bold">
              {title} <span className="text-base font-normal text-zinc-600 dark:text-zinc-400">({items.length})</span>
            </h2>
            {items.length === 0 ? (
              <p className="text-zinc-600 dark:text-zinc-400">
                {empty} {(byState.get("scheduled")?.length ?? 0) > 0 ? "See what opens next below." : "Check back soon."}
              </p>
            ) : (
              <ul className="grid gap-5 sm:grid-cols-2 lg:grid-cols-3">
                {items.map((sale) => (
                  <li key={sale.id}>
                    <SaleCard sale={sale} state={state} />
                  </li>
                ))}
              </ul>
            )}
          </section>
        );
      })}
    </div>
  );
}
