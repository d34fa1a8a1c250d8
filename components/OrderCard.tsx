"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { Order } from "@/db/orders";
import { api, ApiError } from "./api";
import { CONFIRMED_REFRESH_MS, orderRefreshMs, useSpreadPeriod } from "./clock";
import { orderNumber } from "./format";
import { failureMessage } from "./messages";
import { useUnavailableRetry } from "./useShownFailure";

/**
 * One order, polled while it waits in line: after 0.3 s at first, backing off to 3 s; once confirmed,
 * every 30 s while in view (the store may still ship or cancel it); not at all once it is shipped,
 * cancelled or not filled, or once the store answers that asking again will not help (signed out,
 * not this shopper's order). Not yet seen because the store could not answer (a 503, the network):
 * asked again every 5 s or so until it does.
 */
export function useOrder(orderId: string | undefined, initial?: Order) {
  const confirmedMs = useSpreadPeriod(CONFIRMED_REFRESH_MS);
  const retryUnavailable = useUnavailableRetry();
  return useQuery({
    queryKey: ["order", orderId],
    enabled: orderId !== undefined,
    queryFn: async () => (await api<{ order: Order }>(`/api/orders/${orderId}`)).order,
    initialData: initial,
    refetchInterval: (q) => {
      const retryMs = retryUnavailable(q.state);
      if (retryMs !== undefined) return retryMs;
      if (q.state.error instanceof ApiError && q.state.error.status < 500) return false;
      return orderRefreshMs(q.state.data?.status, q.state.dataUpdateCount, confirmedMs);
    },
  });
}

/**
 * What a status means to the shopper, in one short sentence for screen readers. It changes with the
 * status only: the place in line moves on every poll, and a live region would read each move out (the
 * card shows it to anyone who looks).
 */
export function orderAnnouncement(order: Order): string {
  switch (order.status) {
    case "pending":
      return "Order placed. You're in line; we'll tell you when it's confirmed.";
    case "completed":
      return `Confirmed. Order number ${orderNumber(order.id)}.`;
    case "shipped":
      return `Order ${orderNumber(order.id)} has shipped.`;
    case "cancelled":
      return `Order ${orderNumber(order.id)} was cancelled.`;
    case "failed":
      return failureMessage(order.failureReason);
  }
}

const tone: Record<Order["status"], string> = {
  pending: "border-amber-300 bg-amber-50 dark:border-amber-700 dark:bg-amber-950",
  completed: "border-emerald-300 bg-emerald-50 dark:border-emerald-700 dark:bg-emerald-950",
  shipped: "border-emerald-300 bg-emerald-50 dark:border-emerald-700 dark:bg-emerald-950",
  cancelled: "border-zinc-300 bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900",
  failed: "border-red-300 bg-red-50 dark:border-red-800 dark:bg-red-950",
};

const title: Record<Order["status"], string> = {
  pending: "You're in line",
  completed: "Confirmed",
  shipped: "Shipped",
  cancelled: "Cancelled",
  failed: "Not this time",
};

export function OrderCard({ order, showLink = true }: { order: Order; showLink?: boolean }) {
  return (
    <div data-testid="order-status" data-status={order.status} className={`rounded-xl border p-4 ${tone[order.status]}`}>
      <div className="flex items-center gap-3">
        <StatusIcon status={order.status} />
        <p className="text-xl font-bold">{title[order.status]}</p>
      </div>
      <div className="mt-2 space-y-1 text-sm">
        {order.status === "pending" && (
          <>
            <p data-testid="position" className="font-medium tabular-nums">
              {order.position ? `${order.position} ${order.position === 1 ? "order" : "orders"} ahead of you` : "You're next"}
            </p>
            {/* One line on a 320 px phone and in the tablet's narrow column, so the Buy area keeps its height. */}
            <p className="text-zinc-700 dark:text-zinc-300">Your place is held.</p>
          </>
        )}
        {(order.status === "completed" || order.status === "shipped" || order.status === "cancelled") && (
          <p>
            Order number <span className="font-mono font-semibold">{orderNumber(order.id)}</span>
            {order.status === "completed" && " — it's yours."}
            {order.status === "shipped" && " is on its way."}
            {order.status === "cancelled" && " was cancelled by the store."}
          </p>
        )}
        {order.status === "failed" && <p>{failureMessage(order.failureReason)}</p>}
      </div>
      {showLink && (
        <Link href={`/orders/${order.id}`} className="mt-3 inline-block text-sm font-medium underline underline-offset-2">
          View order
        </Link>
      )}
    </div>
  );
}

function StatusIcon({ status }: { status: Order["status"] }) {
  if (status === "pending") {
    return <span aria-hidden className="size-6 animate-spin rounded-full border-[3px] border-amber-600 border-t-transparent motion-reduce:animate-none" />;
  }
  const isGood = status === "completed" || status === "shipped";
  return (
    <span aria-hidden className={`grid size-7 place-items-center rounded-full text-white ${isGood ? "bg-emerald-700" : status === "failed" ? "bg-red-700" : "bg-zinc-600"}`}>
      {isGood ? "✓" : "✕"}
    </span>
  );
}
