"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { AdminSale } from "@/db/admin-sales";
import { everyInterval, formatCount, formatPrice, sellThroughPercent } from "@/components/format";
import { adminApi, Time } from "./api";
import { StaleNote } from "./StaleNote";
import { TableScroll } from "./TableScroll";

export const stateStyle: Record<AdminSale["state"], string> = {
  scheduled: "bg-sky-100 text-sky-900 dark:bg-sky-900/40 dark:text-sky-200",
  live: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900/40 dark:text-emerald-200",
  sold_out: "bg-amber-100 text-amber-900 dark:bg-amber-900/40 dark:text-amber-200",
  ended: "bg-zinc-200 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300",
};

export function StateBadge({ state }: { state: AdminSale["state"] }) {
  return <span className={`rounded-full px-2 py-0.5 text-xs font-semibold whitespace-nowrap ${stateStyle[state]}`}>{state.replace("_", " ")}</span>;
}

export function SellThrough({ sold, stock }: { sold: number; stock: number }) {
  const percent = sellThroughPercent(sold, stock);
  return (
    <div className="flex items-center gap-2" title={`${sold} of ${stock} sold`}>
      <div className="h-2 w-24 overflow-hidden rounded bg-zinc-200 dark:bg-zinc-800" role="progressbar" aria-valuenow={percent} aria-valuemin={0} aria-valuemax={100} aria-label="Sell-through">
        <div className="h-full bg-emerald-500" style={{ width: `${percent}%` }} />
      </div>
      <span className="tabular-nums">{percent}%</span>
    </div>
  );
}

const REFRESH_MS = 5000;

type SalesPage = { sales: AdminSale[]; hasOlder: boolean };

/** A page of sales (the newest, or those after `before`), refreshed every REFRESH_MS, with links between pages. */
export function SalesList({ initialPage, before }: { initialPage: SalesPage; before?: string }) {
  const page = useQuery({
    queryKey: ["admin", "sales", before ?? "newest"],
    queryFn: () => adminApi<SalesPage>(`/api/admin/sales${before ? `?before=${before}` : ""}`),
    initialData: initialPage,
    refetchInterval: REFRESH_MS,
  });
  const { sales, hasOlder } = page.data;
  const last = sales.at(-1);
  return (
    <div className="space-y-3">
      <StaleNote query={page} what="the list as of" every={`The list refreshes ${everyInterval(REFRESH_MS)}.`} />
      {sales.length === 0 ? <p>{before ? "No older sales." : "No sales yet. Create the first one."}</p> : <SalesTable sales={sales} />}
      {(before || hasOlder) && (
        <nav aria-label="Pages of sales" className="flex gap-4 text-sm">
          {before && (
            <Link href="/admin" className="hover:underline">
              ← Newest sales
            </Link>
          )}
          {hasOlder && last && (
            <Link href={`/admin?before=${last.id}`} className="hover:underline">
              Older sales →
            </Link>
          )}
        </nav>
      )}
    </div>
  );
}

function SalesTable({ sales }: { sales: AdminSale[] }) {
  return (
    <TableScroll label="Sales table">
      <table className="w-full text-left text-sm">
        <thead className="border-b border-zinc-200 text-xs uppercase text-zinc-500 dark:border-zinc-800">
          <tr>
            <th className="py-2 pr-3">Sale</th>
            <th className="py-2 pr-3">State</th>
            <th className="py-2 pr-3">Price</th>
            <th className="py-2 pr-3">Sold / stock</th>
            <th className="py-2 pr-3">Sell-through</th>
            <th className="py-2 pr-3">Starts</th>
            <th className="py-2">Ends</th>
          </tr>
        </thead>
        <tbody>
          {sales.map((sale) => (
            <tr key={sale.id} data-testid="admin-sale-row" className="border-b border-zinc-100 dark:border-zinc-900">
              <td className="py-2 pr-3">
                <Link href={`/admin/sales/${sale.id}`} dir="auto" className="font-medium [overflow-wrap:anywhere] hover:underline">
                  {sale.name}
                </Link>
              </td>
              <td className="py-2 pr-3">
                <StateBadge state={sale.state} />
              </td>
              <td className="py-2 pr-3 tabular-nums">{formatPrice(sale.priceCents)}</td>
              <td className="py-2 pr-3 tabular-nums">
                {formatCount(sale.sold)} / {formatCount(sale.stock)}
              </td>
              <td className="py-2 pr-3">
                <SellThrough sold={sale.sold} stock={sale.stock} />
              </td>
              <td className="py-2 pr-3 whitespace-nowrap">
                <Time iso={sale.startsAt} />
              </td>
              <td className="py-2 whitespace-nowrap">
                <Time iso={sale.endsAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
