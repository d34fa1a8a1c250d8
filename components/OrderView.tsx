"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { Sale } from "@/db/sales";
import { api, ApiError } from "./api";
import { formatPrice, formatTime } from "./format";
import { errorMessage, expiredMessage } from "./messages";
import { OrderCard, orderAnnouncement, useOrder } from "./OrderCard";
import { ProductImage } from "./ProductImage";
import { sessionUnknown, useSession, useSessionExpired } from "./session";
import { SessionUnknown } from "./SessionUnknown";
import { SignInForm } from "./SignInForm";
import { useShownFailure } from "./useShownFailure";

/** The order page: the live order card beside what was bought. */
export function OrderView({ orderId }: { orderId: string }) {
  const session = useSession();
  const isExpired = useSessionExpired();
  const order = useOrder(session.data ? orderId : undefined);
  // A failed refresh of an order on screen is order.error (the card stays, with a note); with none on
  // screen, the failure stays through each new attempt (useShownFailure).
  const shownFailure = useShownFailure(order);
  const error = order.error ?? shownFailure;
  const saleId = order.data?.saleId;
  const sale = useQuery({
    queryKey: ["sale", saleId],
    queryFn: async () => (await api<{ sale: Sale }>(`/api/sales/${saleId}`)).sale,
    enabled: !!saleId,
  });

  const unknownSession = sessionUnknown(session);
  let body;
  if (session.isPending || (session.data && order.isPending && !error)) {
    body = <div aria-hidden className="h-40 animate-pulse rounded-xl bg-zinc-200 motion-reduce:animate-none dark:bg-zinc-800" />;
  } else if (unknownSession) {
    body = <SessionUnknown error={unknownSession} />;
  } else if (!session.data) {
    body = <SignInForm prompt={isExpired ? "Your sign-in has expired. Sign in again with the email you ordered with to see this order" : "Sign in with the email you ordered with to see this order"} />;
  } else if (error && (!order.data || (error instanceof ApiError && error.status < 500))) {
    // The store no longer shows the order (another account's), or never answered: a failed refresh of
    // an order already on screen keeps its card (the polling goes on) with a note below it.
    body = (
      <p role="alert" data-testid="order-error" className="rounded-xl border border-red-300 bg-red-50 p-4 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
        {errorMessage(error)}
      </p>
    );
  } else if (order.data) {
    body = (
      <div className="grid grid-cols-1 gap-6 sm:grid-cols-[10rem_minmax(0,1fr)]">
        {sale.data ? <ProductImage name={sale.data.name} className="aspect-square w-40 rounded-2xl" /> : <div className="aspect-square w-40 rounded-2xl bg-zinc-200 dark:bg-zinc-800" />}
        <div className="space-y-4">
          {sale.data && (
            <div>
              <Link href={`/sales/${sale.data.id}`} dir="auto" className="text-xl font-bold underline-offset-2 [overflow-wrap:anywhere] hover:underline">
                {sale.data.name}
              </Link>
              <p className="text-zinc-600 dark:text-zinc-400">
                {formatPrice(sale.data.priceCents)} · ordered {formatTime(order.data.createdAt)}
              </p>
            </div>
          )}
          <OrderCard order={order.data} showLink={false} />
          {order.isError && (
            <p data-testid="order-stale" className="text-sm text-amber-900 dark:text-amber-200">
              {errorMessage(order.error)} This is the order as we last saw it.
            </p>
          )}
        </div>
      </div>
    );
  }

  return (
    <section aria-labelledby="order-heading" className="space-y-6">
      <h1 id="order-heading" className="text-3xl font-extrabold tracking-tight">
        Your order
      </h1>
      {body}
      <p role="status" aria-live="polite" className="sr-only">
        {session.data && order.data ? orderAnnouncement(order.data) : isExpired ? expiredMessage : ""}
      </p>
      <Link href="/orders" className="inline-block text-sm font-medium underline underline-offset-2">
        All your orders
      </Link>
    </section>
  );
}
