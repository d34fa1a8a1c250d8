import Link from "next/link";
import { memo } from "react";
import type { Sale, SaleState } from "@/db/sales";
import { Countdown } from "./Countdown";
import { formatPrice, percentOff } from "./format";
import { ProductImage } from "./ProductImage";
import { StockBar } from "./StockBar";

const badge: Record<SaleState, { text: string; className: string }> = {
  live: { text: "Live now", className: "bg-emerald-700 text-white" },
  scheduled: { text: "Upcoming", className: "bg-sky-700 text-white" },
  sold_out: { text: "Sold out", className: "bg-zinc-700 text-white" },
  ended: { text: "Ended", className: "bg-zinc-700 text-white" },
};

/**
 * One sale on the home page; the whole card is the link to its page. Memoized: the list re-renders each
 * second on the server's clock to move sales between groups, and a card (picture, stock bar) needs
 * drawing again only when its sale or state changes (TanStack Query keeps an unchanged sale the same
 * object across polls); its countdown reads the list's clock (`ListClock`) and redraws alone.
 */
export const SaleCard = memo(function SaleCard({ sale, state }: { sale: Sale; state: SaleState }) {
  const off = percentOff(sale.priceCents, sale.originalPriceCents);
  const isOver = state === "sold_out" || state === "ended";
  return (
    <Link
      href={`/sales/${sale.id}`}
      data-testid="sale-card"
      className={`group flex h-full flex-col overflow-hidden rounded-2xl border border-zinc-200 bg-white shadow-sm transition hover:-translate-y-0.5 hover:shadow-md dark:border-zinc-800 dark:bg-zinc-900 ${isOver ? "opacity-80" : ""}`}
    >
      <div className="relative aspect-[4/3]">
        <ProductImage name={sale.name} className={`h-full w-full ${isOver ? "grayscale" : ""}`} />
        <span className={`absolute left-3 top-3 rounded-full px-2.5 py-1 text-xs font-semibold ${badge[state].className}`}>{badge[state].text}</span>
        {off > 0 && <span className="absolute right-3 top-3 rounded-full bg-red-700 px-2.5 py-1 text-xs font-bold text-white">−{off}%</span>}
      </div>
      <div className="flex flex-1 flex-col gap-2 p-4">
        {/* A long word (a model number, a name without spaces) wraps: the card never widens its column. A
            name in Hebrew or Arabic runs right to left (`dir="auto"`: the direction of its first strong letter). */}
        <h3 dir="auto" className="font-semibold leading-snug [overflow-wrap:anywhere] group-hover:underline">
          {sale.name}
        </h3>
        <p className="flex items-baseline gap-2">
          <span className="text-xl font-bold">{formatPrice(sale.priceCents)}</span>
          {sale.originalPriceCents > sale.priceCents && (
            <s className="text-sm text-zinc-600 dark:text-zinc-400">
              <span className="sr-only">was </span>
              {formatPrice(sale.originalPriceCents)}
            </s>
          )}
        </p>
        {/* The units on offer, then how long until it opens or how long it still runs, as its page says:
            an upcoming card is as tall as a live one, so a sale opening moves no card below it. */}
        <div className="mt-auto pt-1">
          <StockBar remaining={sale.remaining} stock={sale.stock} isEnded={state === "ended"} />
          {state === "scheduled" && (
            <p className="mt-1 text-sm font-medium text-sky-800 dark:text-sky-300">
              <Countdown at={sale.startsAt} label="Starts in" />
            </p>
          )}
          {state === "live" && (
            <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
              <Countdown at={sale.endsAt} label="Ends in" />
            </p>
          )}
        </div>
      </div>
    </Link>
  );
});
