"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import type { Order } from "@/db/orders";
import type { Sale } from "@/db/sales";
import { api } from "./api";
import { CONFIRMED_REFRESH_MS, useSpreadPeriod } from "./clock";
import { formatPrice, formatTime, orderNumber } from "./format";
import { errorMessage, isRetryable } from "./messages";
import { ProductImage } from "./ProductImage";
import { besideSession, sessionUnknown, useSession, useSessionExpired } from "./session";
import { SessionUnknown } from "./SessionUnknown";
import { SignInForm } from "./SignInForm";
import { useShownFailure, useUnavailableRetry } from "./useShownFailure";

const statusText: Record<Order["status"], { text: string; className: string }> = {
  pending: { text: "In line", className: "bg-amber-100 text-amber-900 dark:bg-amber-900 dark:text-amber-100" },
  completed: { text: "Confirmed", className: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100" },
  shipped: { text: "Shipped", className: "bg-emerald-100 text-emerald-900 dark:bg-emerald-900 dark:text-emerald-100" },
  cancelled: { text: "Cancelled", className: "bg-zinc-200 text-zinc-800 dark:bg-zinc-800 dark:text-zinc-200" },
  failed: { text: "Not filled", className: "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100" },
};

/** The signed-in shopper's orders, newest first, each with its sale's name and picture. */
export function OrdersList() {
  const session = useSession();
  const isExpired = useSessionExpired();
  const confirmedMs = useSpreadPeriod(CONFIRMED_REFRESH_MS);
  const retryUnavailable = useUnavailableRetry({ alsoOverData: true });
  const queryClient = useQueryClient();
  const orders = useQuery({
    queryKey: ["orders"],
    // Each order comes with its sale (name and price for the row), however long ago it ended. Asked
    // beside the session's look-up, so the list shows a round trip sooner.
    queryFn: () => besideSession(queryClient, () => api<{ orders: Order[]; sales: Sale[] }>("/api/orders"), { orders: [], sales: [] }),
    enabled: session.data !== null,
    // Orders still in line settle within seconds; keep the list honest until they do. A confirmed one
    // may still be shipped or cancelled by the store: asked about again every 30 s or so while in view.
    // A list the store could not give (a 503 while the database restarts, the network gone, retries
    // spent), or could not refresh, is asked again until it does, as the order page's card is.
    refetchInterval: (q) => {
      const retryMs = retryUnavailable(q.state);
      if (retryMs !== undefined) return retryMs;
      const orders = q.state.data?.orders ?? [];
      if (orders.some((o) => o.status === "pending")) return 2000;
      return orders.some((o) => o.status === "completed") ? confirmedMs : false;
    },
  });
  const failure = useShownFailure(orders);

  if (session.isPending) return <div aria-hidden className="h-24 animate-pulse rounded-xl bg-zinc-200 motion-reduce:animate-none dark:bg-zinc-800" />;
  const unknown = sessionUnknown(session);
  if (unknown) return <SessionUnknown error={unknown} />;
  if (!session.data) return <SignInForm prompt={isExpired ? "Your sign-in has expired. Sign in again with your email to see your orders" : "Sign in with your email to see your orders"} />;
  if (!orders.data && failure) {
    return (
      <p role="alert" data-testid="orders-error" className="text-red-700 dark:text-red-400">
        {errorMessage(failure)}
        {isRetryable(failure) && " Trying again automatically."}
      </p>
    );
  }
  if (!orders.data) return <div aria-hidden className="h-24 animate-pulse rounded-xl bg-zinc-200 motion-reduce:animate-none dark:bg-zinc-800" />;
  // A failed refresh keeps the list on screen (the refreshes go on), with a note above it; an empty
  // one too, since the order the shopper came to see may be what the store could not tell.
  const staleNote = orders.isError && (
    <p data-testid="orders-stale" className="text-sm text-amber-900 dark:text-amber-200">
      {errorMessage(orders.error)} These are your orders as we last saw them.
    </p>
  );
  if (orders.data.orders.length === 0) {
    return (
      <div className="space-y-3">
        {staleNote}
        <p className="rounded-2xl border border-dashed border-zinc-300 p-8 text-center text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
          No orders yet. <Link href="/" className="font-medium text-zinc-900 underline underline-offset-2 dark:text-zinc-100">See the sales</Link>
        </p>
      </div>
    );
  }
  const saleById = new Map(orders.data.sales.map((s) => [s.id, s]));
  return (
    <div className="space-y-3">
      {staleNote}
      <ul className="divide-y divide-zinc-200 overflow-hidden rounded-2xl border border-zinc-200 bg-white dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900">
        {orders.data.orders.map((order) => {
          const sale = saleById.get(order.saleId);
          const status = statusText[order.status];
          return (
            <li key={order.id} data-testid="order-row">
              <Link href={`/orders/${order.id}`} className="flex items-center gap-4 p-4 hover:bg-zinc-50 dark:hover:bg-zinc-800">
                <ProductImage name={sale?.name ?? order.saleId} className="size-14 shrink-0 rounded-lg" />
                <div className="min-w-0 flex-1">
                  <p dir="auto" className="truncate font-semibold">
                    {sale?.name ?? "A sale"}
                  </p>
                  <p className="text-sm text-zinc-600 dark:text-zinc-400">
                    <span className="font-mono">{orderNumber(order.id)}</span> · {formatTime(order.createdAt)}
                    {sale && ` · ${formatPrice(sale.priceCents)}`}
                  </p>
                </div>
                <span className={`shrink-0 rounded-full px-2.5 py-1 text-xs font-semibold ${status.className}`}>{status.text}</span>
              </Link>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
