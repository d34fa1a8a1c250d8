"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef, useState, type ReactNode } from "react";
import type { AdminSale } from "@/db/admin-sales";
import type { SaleStats } from "@/db/admin-stats";
import { everyInterval, formatCount, formatPrice } from "@/components/format";
import { useIsClient } from "@/components/LocalTime";
import { ActivityChart } from "./ActivityChart";
import { adminApi, formatDuration, Time } from "./api";
import { SellThrough, StateBadge } from "./SalesList";
import { StaleNote } from "./StaleNote";
import { useConfirmFocus } from "./useConfirmFocus";

const statusOrder = ["pending", "completed", "failed", "shipped", "cancelled"] as const;
const REFRESH_MS = 1000;
const rate = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 1 });

/** One sale, live: refreshed every REFRESH_MS through TanStack Query while the page is open. */
export function LiveSale({ initialSale }: { initialSale: AdminSale }) {
  const queryClient = useQueryClient();
  const router = useRouter();
  const stats = useQuery({
    queryKey: ["admin", "stats", initialSale.id],
    queryFn: () => adminApi<SaleStats>(`/api/admin/sales/${initialSale.id}/stats`),
    refetchInterval: REFRESH_MS,
    // Keep the last numbers on screen during a refetch rather than flashing back to nothing.
    placeholderData: (previous) => previous,
  });
  const isClient = useIsClient();
  const [isConfirming, setIsConfirming] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  // The question replaces End now: focus moves to "Yes…" and, after Keep, back to End now. Once the sale
  // has ended End now is gone too, so focus goes to the heading, whose badge turns "ended".
  const { confirmRef, triggerRef, land } = useConfirmFocus(isConfirming ? "end" : null, () => headingRef.current);
  // When End now succeeded: until live numbers fetched after it arrive, the sale is over on screen too,
  // or End now would come back between the question going and the next refresh.
  const [endedAt, setEndedAt] = useState<number | null>(null);
  const endNow = useMutation({
    mutationFn: () => adminApi<{ sale: AdminSale }>(`/api/admin/sales/${initialSale.id}/end`, { method: "POST" }),
    onSuccess: () => {
      setEndedAt(Date.now());
      land();
      setIsConfirming(false);
      void queryClient.invalidateQueries({ queryKey: ["admin"] });
      // The page's edit form reads the sale from the server's render: refresh it to show the new end.
      router.refresh();
    },
  });

  const data = stats.data;
  const hasJustEnded = endedAt !== null && stats.dataUpdatedAt <= endedAt;
  const shown = data?.sale ?? initialSale;
  // The admin's state: ended once the end has passed, a sold-out sale too (db/admin-sales.ts).
  const sale: AdminSale = hasJustEnded ? { ...shown, state: "ended" } : shown;
  const isOver = sale.state === "ended";

  return (
    <section aria-labelledby="sale-heading" className="space-y-4">
      <div className="flex flex-wrap items-start justify-between gap-3">
        {/* min-w-0 and a name that may break anywhere (as on the shopper's page): a long word such as
            "Supercalifragilisticexpialidocious" would otherwise set the page's width on a phone. */}
        <div className="min-w-0">
          <h1 ref={headingRef} id="sale-heading" tabIndex={-1} className="flex flex-wrap items-center gap-x-3 gap-y-1 text-2xl font-bold">
            <span dir="auto" className="min-w-0 [overflow-wrap:anywhere]">
              {sale.name}
            </span> <StateBadge state={sale.state} />
          </h1>
          <p className="text-sm text-zinc-500">
            {formatPrice(sale.priceCents)} (was {formatPrice(sale.originalPriceCents)}) · <Time iso={sale.startsAt} /> → <Time iso={sale.endsAt} /> ·{" "}
            <Link href={`/sales/${sale.id}`} className="underline">
              shopper&apos;s page
            </Link>
          </p>
        </div>
        {!isOver &&
          (isConfirming ? (
            <div className="flex gap-2" onKeyDown={(e) => e.key === "Escape" && setIsConfirming(false)}>
              {/* aria-disabled, not disabled, while the request runs: a disabled button drops keyboard focus to
                  the page, and on a failure the admin would have to find the question again. */}
              <button ref={confirmRef} type="button" onClick={() => !endNow.isPending && endNow.mutate()} aria-disabled={endNow.isPending} className="rounded-md bg-red-600 px-3 py-2 text-sm font-semibold text-white aria-disabled:opacity-50">
                Yes, end the sale now
              </button>
              <button type="button" onClick={() => setIsConfirming(false)} className="rounded-md border border-zinc-300 px-3 py-2 text-sm dark:border-zinc-700">
                Keep it running
              </button>
            </div>
          ) : (
            // Disabled until the page's scripts have run: a click before would be lost without a word.
            <button
              ref={triggerRef("end")}
              type="button"
              onClick={() => setIsConfirming(true)}
              disabled={!isClient}
              className="rounded-md border border-red-600 px-3 py-2 text-sm font-semibold text-red-600 disabled:opacity-60"
            >
              End now
            </button>
          ))}
      </div>
      {endNow.error && <p role="alert" className="text-sm text-red-600">{endNow.error.message}</p>}
      {stats.error && !data && <p role="alert" className="text-sm text-red-600">Could not load the live numbers: {stats.error.message}</p>}
      <StaleNote query={stats} every={`The live numbers refresh ${everyInterval(REFRESH_MS)}.`} />

      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Stat label="Remaining" testId="stat-remaining" value={formatCount(sale.remaining)} note={`of ${formatCount(sale.stock)} · ${formatCount(sale.sold)} sold`}>
          <SellThrough sold={sale.sold} stock={sale.stock} />
        </Stat>
        <Stat label="In line (queue depth)" testId="stat-in-line" value={data ? formatCount(data.queue.inLine) : "…"} note={data ? `jobs waiting, all sales: ${data.queue.jobsWaiting >= data.queue.jobsWaitingCap ? `${formatCount(data.queue.jobsWaitingCap)}+` : formatCount(data.queue.jobsWaiting)}` : undefined} />
        <Stat label="Accepted / s" testId="stat-accepted-rate" value={data ? rate(data.rates.accepted) : "…"} note={data ? `processed / s: ${rate(data.rates.processed)} (last ${data.rates.rateWindowSeconds} s)` : undefined} />
        <Stat label="Time to sell out" testId="stat-sell-out" value={sellOutText(data)} note={data?.sellOut.soldOutAt ? "from the start to the last unit" : data?.sellOut.etaSeconds ? "estimated at the current pace" : undefined} />
      </div>

      <div className="grid gap-3 lg:grid-cols-[1fr_16rem]">
        <div className="rounded-xl border border-zinc-200 p-4 dark:border-zinc-800">
          <h2 className="mb-2 text-sm font-semibold">Orders accepted and processed per second, last {data ? Math.round(data.windowSeconds / 60) : 5} minutes</h2>
          <ActivityChart series={data?.series ?? []} />
        </div>
        <div className="space-y-3">
          <div className="rounded-xl border border-zinc-200 p-4 dark:border-zinc-800">
            <h2 className="mb-2 text-sm font-semibold">Orders by status</h2>
            <dl className="grid grid-cols-2 gap-y-1 text-sm">
              {statusOrder.map((status) => (
                <div key={status} className="contents">
                  <dt className="capitalize text-zinc-500">{status}</dt>
                  <dd data-testid={`count-${status}`} className="text-right font-semibold tabular-nums">
                    {data ? formatCount(data.counts[status]) : "…"}
                  </dd>
                </div>
              ))}
            </dl>
          </div>
          <div className="rounded-xl border border-zinc-200 p-4 dark:border-zinc-800">
            <h2 className="text-sm font-semibold">Dead letters</h2>
            <p className="text-2xl font-bold tabular-nums" data-testid="stat-dead-letters">
              {data ? formatCount(data.deadLetters) : "…"}
            </p>
            <Link href={`/admin/dead-letters?saleId=${sale.id}`} className="text-sm underline">
              See them
            </Link>
          </div>
        </div>
      </div>
    </section>
  );
}

function sellOutText(data: SaleStats | undefined): string {
  if (!data) return "…";
  if (data.sellOut.secondsToSellOut !== null) return formatDuration(data.sellOut.secondsToSellOut);
  if (data.sellOut.etaSeconds !== null) return `~${formatDuration(data.sellOut.etaSeconds)}`;
  return "—";
}

function Stat({ label, value, note, testId, children }: { label: string; value: string; note?: string; testId: string; children?: ReactNode }) {
  return (
    <div className="rounded-xl border border-zinc-200 p-4 dark:border-zinc-800">
      <div className="text-xs uppercase text-zinc-500">{label}</div>
      <div data-testid={testId} className="text-2xl font-bold tabular-nums">
        {value}
      </div>
      {note && <div className="text-xs text-zinc-500">{note}</div>}
      {children && <div className="mt-2">{children}</div>}
    </div>
  );
}
