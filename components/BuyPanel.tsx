"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, type ReactNode } from "react";
import type { Order } from "@/db/orders";
import type { Sale, SaleState } from "@/db/sales";
import { api, ApiError } from "./api";
import { formatDuration } from "./clock";
import { formatPrice } from "./format";
import { claimedAheadMessage, errorMessage, expiredMessage, isRetryable } from "./messages";
import { OrderCard, orderAnnouncement, useOrder } from "./OrderCard";
import { RetryCountdown } from "./RetryCountdown";
import { besideSession, sessionUnknown, useSession, useSessionExpired, useSignOut } from "./session";
import { SessionUnknown } from "./SessionUnknown";
import { SignInForm } from "./SignInForm";
import { useBuy } from "./useBuy";
import { useShownFailure, useUnavailableRetry } from "./useShownFailure";

const isCode = (err: unknown, code: string) => err instanceof ApiError && err.code === code;

/**
 * Everything between a shopper and their order: sign in, wait for the opening second, Buy, ride out a
 * busy store, then the order card. The area keeps one height in every state, so nothing jumps.
 */
export function BuyPanel({ sale, state, now }: { sale: Sale; state: SaleState; now: number | undefined }) {
  const queryClient = useQueryClient();
  const session = useSession();
  const isSignedIn = !!session.data;
  // The shopper's existing order in this sale: a reload or a second tab shows it, not a fresh Buy. Asked
  // beside the session's look-up, so a page loaded at the opening second shows Buy a round trip sooner.
  const retryUnavailable = useUnavailableRetry();
  const myOrder = useQuery({
    queryKey: ["my-order", sale.id],
    queryFn: () => besideSession(queryClient, async () => (await api<{ orders: Order[] }>(`/api/orders?saleId=${sale.id}`)).orders[0] ?? null, null),
    enabled: session.data !== null,
    // A look-up the store could not answer (a 503 while the database restarts, the network gone,
    // retries spent) is asked again until it does: the shopper may have an order here.
    refetchInterval: (q) => retryUnavailable(q.state) ?? false,
  });
  const myOrderFailure = useShownFailure(myOrder);
  const { buy, start, wait, retryError } = useBuy(sale.id, session.data?.id);
  // A 401 (to the Buy, or to any view's query: the order's polling after a sign-out in another tab)
  // sends the shopper back to the sign-in form, saying why; once signed in again it is no longer news.
  const isSessionExpired = useSessionExpired();
  const isExpired = !isSignedIn && (isSessionExpired || isCode(buy.error, "unauthenticated"));
  // A 410 is judged against the sale as fetched after it (useBuy waits for that): with units still on
  // the stock bar it came from the admission gate (every unit left is held by an order in line), and
  // one may come back, so the shopper keeps the Buy button rather than a closed panel.
  const isClaimedAhead = isCode(buy.error, "sold_out") && state === "live";
  const buyError = isExpired ? null : buy.error;
  // Only a signed-in shopper's order is shown (and polled): after a sign-out the panel offers sign-in.
  const orderId = isSignedIn ? (buy.data?.order.id ?? myOrder.data?.id) : undefined;
  const orderQuery = useOrder(orderId, isSignedIn ? (buy.data?.order ?? myOrder.data ?? undefined) : undefined);
  const order = orderQuery.data;
  // The store stopped showing us this order (a 404: it is another account's): polling has stopped, so
  // say so rather than leave a spinning "You're in line" card. A 401 signs the tab out instead.
  const lostOrder = orderId !== undefined && orderQuery.error instanceof ApiError && orderQuery.error.status < 500 && orderQuery.error.status !== 401 ? orderQuery.error : null;
  const panel = useRef<HTMLDivElement>(null);
  const hasActed = useRef(false);
  const press = () => {
    hasActed.current = true;
    start();
  };
  // Signing in, or "Not you?", replaces the control the shopper used too: keep focus in the panel.
  const act = () => {
    hasActed.current = true;
  };

  const unknownSession = sessionUnknown(session);
  const isClosed = state === "sold_out" || state === "ended" || isCode(buy.error, "sale_ended") || (isCode(buy.error, "sold_out") && !isClaimedAhead);
  let announcement = "";
  let body: ReactNode;
  let kind = "buy";
  if (lostOrder) {
    announcement = errorMessage(lostOrder);
    kind = "lost";
    body = (
      <p data-testid="order-error" className="rounded-xl border border-red-300 bg-red-50 p-4 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
        {errorMessage(lostOrder)}
      </p>
    );
  } else if (order) {
    announcement = orderAnnouncement(order);
    body = <OrderCard order={order} />;
    kind = "order";
  } else if (session.isPending || (isSignedIn && myOrder.isPending && !myOrderFailure)) {
    // Before "Sold out" too: a shopper who bought here is shown their order, not a closed sale and a
    // sign-in first (the server renders this, as it knows no shopper).
    kind = "loading";
    body = <div aria-hidden className="h-14 animate-pulse rounded-xl bg-zinc-200 motion-reduce:animate-none dark:bg-zinc-800" />;
  } else if (unknownSession) {
    kind = "session-unknown";
    body = <SessionUnknown error={unknownSession} />;
  } else if (isSignedIn && isClosed && myOrderFailure) {
    // A closed sale, and no word yet on whether this shopper has an order in it: not "Better luck at the
    // next drop" to one who bought. (On an open sale Buy stays: pressed, it answers with their order.)
    kind = "order-unknown";
    body = (
      <p role="alert" data-testid="my-order-error" className="rounded-xl border border-amber-300 bg-amber-50 p-4 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100">
        {errorMessage(myOrderFailure)} We couldn&apos;t check for your order in this sale{isRetryable(myOrderFailure) ? "; trying again automatically." : "."}
      </p>
    );
  } else if (!isSignedIn || isClosed) {
    const isEnded = state === "ended" || isCode(buy.error, "sale_ended");
    const closed = isClosed && <Closed title={isEnded ? "This sale has ended" : "Sold out"} detail={isEnded ? "No more orders are being taken." : isSignedIn ? "Every unit has been claimed. Better luck at the next drop!" : "Every unit has been claimed."} />;
    if (isClosed) announcement = isEnded ? "This sale has ended." : "Sold out.";
    else if (isExpired) announcement = expiredMessage;
    kind = isClosed ? "closed" : "sign-in";
    // Signed out, one form in the same place whether the sale is open or closed, so a sale that sells
    // out (or a unit that comes back) while the shopper types keeps what they typed. On a closed sale the
    // shopper may be one who bought here: their order is a sign-in away.
    let prompt: string | undefined;
    if (isClosed) prompt = isExpired ? "Your sign-in has expired. Sign in again to see your order here" : "Bought one? Sign in with your email to see your order";
    else if (isExpired) prompt = "Your sign-in has expired. Sign in with your email again to continue";
    body = isSignedIn ? (
      closed
    ) : (
      <div className="flex flex-col gap-3">
        {closed}
        <SignInForm prompt={prompt} onSignIn={act} />
      </div>
    );
  } else {
    const isLive = state === "live";
    let label = `Buy now · ${formatPrice(sale.priceCents)}`;
    if (state === "scheduled") label = now === undefined ? "Opens soon" : `Opens in ${formatDuration(Date.parse(sale.startsAt) - now)}`;
    if (buy.isPending) label = wait ? "Waiting to retry…" : "Placing…";
    // Once the store has asked us to wait, the announcement stays on that answer through every attempt
    // and countdown second; it changes when the answer does.
    if (buy.isPending) announcement = retryError ? `${errorMessage(retryError)} Trying again automatically.` : "Placing your order.";
    else if (isClaimedAhead) announcement = claimedAheadMessage;
    else if (buyError) announcement = errorMessage(buyError);
    else if (isLive) announcement = "The sale is open. You can buy now.";
    // A press the server turned away because the sale had been moved later (useBuy): say so.
    else if (buy.isSuccess && buy.data === null) announcement = "The sale's opening was moved. Buy will be available when it opens.";
    body = (
      <div className="flex flex-col gap-2">
        <button
          type="button"
          onClick={press}
          disabled={!isLive || buy.isPending}
          aria-describedby="buy-note"
          // The transparent border is drawn in forced colours (Windows High Contrast), where the fill is not.
          className="h-14 w-full rounded-xl border border-transparent bg-amber-400 px-6 text-lg font-bold text-zinc-950 shadow-sm tabular-nums transition-colors enabled:hover:bg-amber-300 enabled:active:bg-amber-500 disabled:cursor-not-allowed disabled:bg-zinc-300 disabled:text-zinc-700 dark:disabled:bg-zinc-800 dark:disabled:text-zinc-300"
        >
          {label}
        </button>
        <div id="buy-note" className="min-h-10 text-sm">
          {wait ? (
            <p data-testid="retry-note" className="text-amber-900 dark:text-amber-200">
              {errorMessage(wait.error)} Trying again in <RetryCountdown until={wait.until} /> — you don&apos;t need to do anything.
            </p>
          ) : buyError ? (
            <p data-testid="buy-error" className="text-red-700 dark:text-red-400">
              {isClaimedAhead ? claimedAheadMessage : errorMessage(buyError)}{" "}
              {(isRetryable(buyError) || isClaimedAhead) && (
                <button type="button" onClick={press} className="font-semibold underline underline-offset-2">
                  Try again
                </button>
              )}
            </p>
          ) : (
            <SignedInAs email={session.data!.email} onSignOut={act} />
          )}
        </div>
      </div>
    );
  }

  // The button the shopper pressed is disabled while the order is placed, then replaced (by the order
  // card, or the sign-in form after an expired session): keep keyboard focus in the panel rather than
  // let it fall back to the start of the page.
  useEffect(() => {
    if (!hasActed.current) return;
    const active = document.activeElement;
    if (active === null || active === document.body) panel.current?.focus({ preventScroll: true });
  }, [kind, buy.isPending]);

  return (
    <section aria-label="Buy" className="rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
      <div ref={panel} tabIndex={-1} data-testid="buy-panel" className="min-h-[9.25rem] outline-none">
        {body}
      </div>
      <p role="status" aria-live="polite" className="sr-only" data-testid="announcer">
        {announcement}
      </p>
    </section>
  );
}

function Closed({ title, detail }: { title: string; detail: string }) {
  return (
    <div data-testid="sale-closed" className="rounded-xl border border-zinc-300 bg-zinc-100 p-4 dark:border-zinc-700 dark:bg-zinc-800">
      <p className="text-xl font-bold">{title}</p>
      <p className="mt-1 text-sm text-zinc-700 dark:text-zinc-300">{detail}</p>
    </div>
  );
}

function SignedInAs({ email, onSignOut }: { email: string; onSignOut: () => void }) {
  const signOut = useSignOut();
  return (
    <p className="text-zinc-600 dark:text-zinc-400">
      {/* An address with no place to break (a long one on a phone) wraps anywhere rather than widen the page. */}
      Signed in as <span className="font-medium text-zinc-900 [overflow-wrap:anywhere] dark:text-zinc-100">{email}</span> ·{" "}
      <button
        type="button"
        onClick={() => {
          onSignOut();
          signOut.mutate();
        }}
        className="underline underline-offset-2"
      >
        Not you?
      </button>
    </p>
  );
}
