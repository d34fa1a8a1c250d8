"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { Sale } from "@/db/sales";
import { api } from "./api";
import { BuyPanel } from "./BuyPanel";
import { stateAt, useServerNow, useSpreadPeriod } from "./clock";
import { Countdown } from "./Countdown";
import { formatCount, formatPrice, percentOff } from "./format";
import { LocalTime } from "./LocalTime";
import { ProductImage } from "./ProductImage";
import { SaleDescription } from "./SaleDescription";
import { StockBar } from "./StockBar";

// Like the home page's refresh, slow enough that a sold-out page open in many tabs costs next to nothing.
const SOLD_OUT_POLL_MS = 10_000;

/** The sale page: product, prices, live stock and the Buy panel, all on the server's clock. */
export function SaleView({ initialSale }: { initialSale: Sale }) {
  // Ticks exactly on the opening second while the sale is still to come: the opening as last read, so
  // a start the admin moves puts the ticks on its new second (set below, once the read has it).
  const [startsAt, setStartsAt] = useState(() => Date.parse(initialSale.startsAt));
  const now = useServerNow(startsAt);
  // The stock bar moves every 1.5 s (±20 %, this page's own period) while the sale is live; before it, a slow check for edits; sold out
  // before its end, a slow check for units that come back (a cancelled order, more stock), so the Buy
  // button returns without a reload; once it has ended, nothing.
  const livePollMs = useSpreadPeriod(1500);
  const pollEvery = (data: Sale | undefined) => {
    const current = data ?? initialSale;
    const state = stateAt(current, now);
    if (state === "live") return livePollMs;
    if (state === "scheduled") return 15_000;
    if (state === "sold_out" && (now ?? Date.now()) < Date.parse(current.endsAt)) return SOLD_OUT_POLL_MS;
    return false;
  };
  const sale = useQuery({
    queryKey: ["sale", initialSale.id],
    queryFn: async () => (await api<{ sale: Sale }>(`/api/sales/${initialSale.id}`)).sale,
    initialData: initialSale,
    refetchInterval: (q) => pollEvery(q.state.data),
    refetchOnWindowFocus: (q) => pollEvery(q.state.data) !== false,
  }).data;
  if (Date.parse(sale.startsAt) !== startsAt) setStartsAt(Date.parse(sale.startsAt));
  const state = stateAt(sale, now);
  const off = percentOff(sale.priceCents, sale.originalPriceCents);
  const isOver = state === "sold_out" || state === "ended";

  return (
    <article className="grid gap-8 md:grid-cols-2">
      {/* From a tablet up the picture fills a column beside the rest. On a phone it would fill the
          first screen and push Buy below it at the opening second, so there it is a thumbnail beside
          the name (below). min-w-0: a long word inside (a sale's name, a shopper's address) wraps
          rather than widen the column past a phone's screen. */}
      <div data-testid="sale-picture" className="relative hidden min-w-0 self-start overflow-hidden rounded-3xl shadow-sm md:block">
        <ProductImage name={sale.name} className={`aspect-square h-auto w-full ${isOver ? "grayscale" : ""}`} />
        {off > 0 && <span className="absolute right-4 top-4 rounded-full bg-red-700 px-3 py-1.5 text-sm font-bold text-white">−{off}%</span>}
      </div>

      <div className="flex min-w-0 flex-col gap-4 md:gap-5">
        <div className="flex items-start gap-4">
          <ProductImage name={sale.name} className={`size-20 shrink-0 overflow-hidden rounded-2xl shadow-sm md:hidden ${isOver ? "grayscale" : ""}`} />
          <div className="min-w-0">
            {/* The admin's text in its own direction (Hebrew, Arabic right to left). */}
            <h1 dir="auto" className="text-2xl font-extrabold tracking-tight [overflow-wrap:anywhere] sm:text-4xl">
              {sale.name}
            </h1>
            {sale.description && <SaleDescription text={sale.description} />}
          </div>
        </div>

        <p className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
          <span className="text-3xl font-extrabold sm:text-4xl" data-testid="price">
            {formatPrice(sale.priceCents)}
          </span>
          {sale.originalPriceCents > sale.priceCents && (
            <s className="text-lg text-zinc-600 dark:text-zinc-400">
              <span className="sr-only">was </span>
              {formatPrice(sale.originalPriceCents)}
            </s>
          )}
          {off > 0 && <span className="font-semibold text-red-700 dark:text-red-400">Save {off}%</span>}
        </p>

        <div className="min-h-20 rounded-xl bg-zinc-100 px-4 py-3 dark:bg-zinc-900">
          {state === "scheduled" ? (
            <>
              <p className="text-lg font-semibold">
                <Countdown at={sale.startsAt} label="Opens in" />
              </p>
              <p className="text-sm text-zinc-600 dark:text-zinc-400">
                <LocalTime iso={sale.startsAt} /> · {formatCount(sale.stock)} {sale.stock === 1 ? "unit" : "units"}
              </p>
            </>
          ) : (
            <>
              <StockBar remaining={sale.remaining} stock={sale.stock} isEnded={state === "ended"} />
              {state === "live" && (
                <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
                  <Countdown at={sale.endsAt} label="Ends in" />
                </p>
              )}
              {state === "ended" && <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Ended <LocalTime iso={sale.endsAt} /></p>}
            </>
          )}
        </div>

        {/* Keyed by sale: a panel, its Idempotency-Key and its retries belong to one sale, even if a
            navigation to another sale's page were to keep this component. */}
        <BuyPanel key={sale.id} sale={sale} state={state} now={now} />
      </div>
    </article>
  );
}
