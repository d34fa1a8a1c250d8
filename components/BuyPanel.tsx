"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { Order } from "@/db/orders";
import type { Sale } from "@/db/sales";
import { api, ApiError } from "./QueryProvider";

type SessionUser = { id: string; email: string };

async function fetchSession(): Promise<SessionUser | null> {
  try {
    return (await api<{ user: SessionUser }>("/api/session")).user;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

const failureText: Record<string, string> = {
  sold_out: "Sold out — every unit went to shoppers ahead of you.",
  sale_ended: "The sale ended before your order could be filled.",
};

export function BuyPanel({ initialSale }: { initialSale: Sale }) {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  // One key for this page's Buy: a retry of the same click can never become a second order.
  const [idempotencyKey] = useState(() => crypto.randomUUID());

  const session = useQuery({ queryKey: ["session"], queryFn: fetchSession });
  const sale = useQuery({
    queryKey: ["sale", initialSale.id],
    queryFn: async () => (await api<{ sale: Sale }>(`/api/sales/${initialSale.id}`)).sale,
    initialData: initialSale,
    refetchInterval: (q) => (q.state.data?.state === "live" || q.state.data?.state === "scheduled" ? 2000 : false),
  });
  const existing = useQuery({
    queryKey: ["my-orders", initialSale.id],
    queryFn: async () => (await api<{ orders: Order[] }>(`/api/orders?saleId=${initialSale.id}`)).orders[0] ?? null,
    enabled: !!session.data,
  });

  const signIn = useMutation({
    mutationFn: (address: string) => api<{ user: SessionUser }>("/api/session", { method: "POST", body: JSON.stringify({ email: address }) }),
    onSuccess: ({ user }) => {
      queryClient.setQueryData(["session"], user);
      void queryClient.invalidateQueries({ queryKey: ["my-orders"] });
    },
  });

  const buy = useMutation({
    mutationFn: () => api<{ order: Order }>(`/api/sales/${initialSale.id}/orders`, { method: "POST", headers: { "idempotency-key": idempotencyKey } }),
    onSuccess: ({ order }) => queryClient.setQueryData(["order", order.id], order),
  });

  const orderId = buy.data?.order.id ?? existing.data?.id;
  const order = useQuery({
    queryKey: ["order", orderId],
    queryFn: async () => (await api<{ order: Order }>(`/api/orders/${orderId}`)).order,
    enabled: !!orderId,
    // Poll while the order waits in line; stop at a final state.
    refetchInterval: (q) => (q.state.data?.status === "pending" ? 1000 : false),
  });

  const onSignIn = (e: FormEvent) => {
    e.preventDefault();
    signIn.mutate(email);
  };

  const current = sale.data;
  return (
    <section className="rounded-xl border border-zinc-200 p-5 dark:border-zinc-800" aria-labelledby="buy-heading">
      <h2 id="buy-heading" className="sr-only">
        Buy
      </h2>
      <p data-testid="stock" className="text-sm text-zinc-600 dark:text-zinc-400">
        {current.remaining} of {current.stock} left · {current.state.replace("_", " ")}
      </p>

      <div aria-live="polite" className="mt-4 min-h-24">
        {session.isPending ? null : !session.data ? (
          <form onSubmit={onSignIn} className="flex flex-col gap-2">
            <label htmlFor="email" className="text-sm font-medium">
              Sign in with your email to buy
            </label>
            <div className="flex gap-2">
              <input
                id="email"
                type="email"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
                className="min-w-0 flex-1 rounded-md border border-zinc-300 bg-white px-3 py-2 dark:border-zinc-700 dark:bg-zinc-900"
                placeholder="you@example.com"
              />
              <button type="submit" disabled={signIn.isPending} className="rounded-md bg-zinc-900 px-4 py-2 font-medium text-white focus-visible:outline-2 focus-visible:outline-offset-2 dark:bg-zinc-100 dark:text-zinc-900">
                Sign in
              </button>
            </div>
            {signIn.error && <p role="alert" className="text-sm text-red-600">{signIn.error.message}</p>}
          </form>
        ) : order.data ? (
          <OrderStatus order={order.data} />
        ) : (
          <div className="flex flex-col gap-2">
            <p className="text-sm">Signed in as {session.data.email}</p>
            <button
              type="button"
              onClick={() => buy.mutate()}
              disabled={buy.isPending || current.state !== "live"}
              className="rounded-md bg-amber-500 px-6 py-3 text-lg font-bold text-zinc-950 enabled:hover:bg-amber-400 disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2"
            >
              {buy.isPending ? "Placing…" : "Buy now"}
            </button>
            {buy.error && <p role="alert" className="text-sm text-red-600">{buy.error.message}</p>}
          </div>
        )}
      </div>
    </section>
  );
}

function OrderStatus({ order }: { order: Order }) {
  if (order.status === "pending") {
    return (
      <p data-testid="order-status" data-status="pending">
        Order placed — waiting in line{order.position ? ` (${order.position} ahead of you)` : ""}…
      </p>
    );
  }
  if (order.status === "failed") {
    return (
      <p data-testid="order-status" data-status="failed" className="font-medium text-red-600">
        {failureText[order.failureReason ?? ""] ?? "Your order could not be filled."}
      </p>
    );
  }
  return (
    <p data-testid="order-status" data-status={order.status} className="font-semibold text-emerald-600">
      Confirmed! Order {order.id.slice(0, 8)} is yours{order.status === "shipped" ? " and has shipped" : order.status === "cancelled" ? " — cancelled by the store" : ""}.
    </p>
  );
}
