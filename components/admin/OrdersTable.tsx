"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import type { AdminOrder, OrderPage } from "@/db/admin-order-list";
import type { AdminStatus } from "@/db/admin-orders";
import { ADMIN_STATUSES } from "@/jobs/queues";
import { everyInterval, orderNumber } from "@/components/format";
import { useIsClient } from "@/components/LocalTime";
import { isUuid } from "@/db/ids";
import { adminApi, readKept, Time, useKeepThroughSignIn, writeKept } from "./api";
import { CopyId } from "./CopyId";
import { RowActions } from "./RowActions";
import { StaleNote } from "./StaleNote";
import { TableScroll } from "./TableScroll";
import { useConfirmFocus } from "./useConfirmFocus";
import { ShowNewer, useRowHold } from "./useRowHold";
import { useRowRequests } from "./useRowRequests";

const statuses = ["pending", "completed", "failed", "shipped", "cancelled"] as const;
const PAGE_SIZE = 20;
const REFRESH_MS = 2000;
// What the Seq. column's numbers are: the store's arrival numbers (the keyset cursor), not a count within the sale.
const SEQ_MEANING = "Arrival number, counted across every sale in the store: a lower number came first, and stock went to orders in this order. Not a count of this sale's orders.";

type Cursor = { before?: number; after?: number };
type Sent = { orderId: string; status: AdminStatus; jobId: string };

function useStatusChange() {
  return useMutation({
    mutationFn: ({ orderId, status }: { orderId: string; status: AdminStatus }) =>
      adminApi<Sent>(`/api/admin/orders/${encodeURIComponent(orderId)}/status`, { method: "PUT", body: JSON.stringify({ status }) }),
  });
}

/** The sale's orders, a page at a time from the server, newest first; filter by status, search by order id or email. */
export function OrdersTable({ saleId }: { saleId: string }) {
  // The page is served with the filter and the search in it: usable once its scripts have run, as what
  // is typed or chosen before would show in the field without reaching the table (or reload the page).
  const isClient = useIsClient();
  const [status, setStatus] = useState("");
  const [searchText, setSearchText] = useState("");
  const [search, setSearch] = useState("");
  const [cursor, setCursor] = useState<Cursor>({});
  const change = useStatusChange();
  const tableRef = useRef<HTMLDivElement>(null);
  // Where the last action left focus (a row's status). During a live sale that row can later leave the
  // page (newer orders push it past the newest 20): focus then moves to the table rather than <body>.
  const landedRef = useRef<HTMLElement | null>(null);
  // A row whose change is sent shows so until the worker has applied it (the row's status changes), not
  // a second button to press; one refused is told on its row.
  const { sent, refused, send: sendFor } = useRowRequests<AdminStatus>();
  const [lastSent, setLastSent] = useState<Sent | null>(null);
  const send = async (orderId: string, next: AdminStatus) => {
    const answer = await sendFor(orderId, next, () => change.mutateAsync({ orderId, status: next }), (why) => `Not ${next}: ${why}`);
    if (answer) setLastSent(answer);
  };

  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (status) params.set("status", status);
  if (search) params.set("q", search);
  if (cursor.before) params.set("before", String(cursor.before));
  if (cursor.after) params.set("after", String(cursor.after));
  const queryKey = params.toString();
  const page = useQuery({
    queryKey: ["admin", "orders", saleId, queryKey],
    queryFn: () => adminApi<OrderPage>(`/api/admin/sales/${saleId}/orders?${params}`),
    refetchInterval: REFRESH_MS,
    placeholderData: (previous) => previous,
  });

  const onSearch = (e: FormEvent) => {
    e.preventDefault();
    setSearch(searchText.trim());
    setCursor({});
  };
  // The rows hold their places while the pointer or keyboard focus is in the table (a Ship aimed at one
  // row would otherwise land on its neighbour as a new order slides in); a held row still shows its
  // latest status, and one that has left the page (cancelled under a "completed" filter, say) goes.
  const fresh: AdminOrder[] = page.data?.orders ?? [];
  const { rows: orders, newer, showNewer, holdProps } = useRowHold(fresh, {
    key: queryKey,
    isAnswered: page.data !== undefined && !page.isPlaceholderData,
    // Newest first by arrival number.
    isNewer: (row, than) => row.seq > than.seq,
  });
  const rowIds = orders.map((order) => order.id).join();
  useEffect(() => {
    const landed = landedRef.current;
    const isFocusLost = document.activeElement === null || document.activeElement === document.body;
    if (landed && !landed.isConnected && isFocusLost) tableRef.current?.focus();
  }, [rowIds]);

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-3">
        <label className="flex flex-col text-sm">
          <span className="font-medium">Status</span>
          <select
            value={status}
            disabled={!isClient}
            onChange={(e) => {
              setStatus(e.target.value);
              setCursor({});
            }}
            className="rounded-md border border-zinc-300 bg-white px-2 py-1.5 dark:border-zinc-700 dark:bg-zinc-900"
          >
            <option value="">All</option>
            {statuses.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <form onSubmit={onSearch} role="search" className="flex items-end gap-2">
          <label className="flex flex-col text-sm">
            <span className="font-medium">Search</span>
            <input
              value={searchText}
              disabled={!isClient}
              onChange={(e) => setSearchText(e.target.value)}
              placeholder="order number or id, or email"
              className="w-52 rounded-md border border-zinc-300 bg-white px-2 py-1.5 sm:w-72 dark:border-zinc-700 dark:bg-zinc-900"
            />
          </label>
          <button type="submit" disabled={!isClient} className="rounded-md border border-zinc-300 px-3 py-1.5 text-sm dark:border-zinc-700">
            Search
          </button>
        </form>
      </div>

      {/* Rows of this page on screen: a failing refresh keeps them, with a note saying since when. The
          rows of other filters shown while this page loads are no answer to it, so its error is told. */}
      {page.isPlaceholderData || !page.data ? (
        page.error && <p role="alert" className="text-sm text-red-600">Could not load the orders: {page.error.message}</p>
      ) : (
        <StaleNote query={page} what="the orders as of" every={`The orders refresh ${everyInterval(REFRESH_MS)}.`} />
      )}
      {/* Always there, one line high: the first change sent would otherwise push the rows down under
          the pointer as the admin goes on to the next row's Ship. */}
      <p role="status" className="min-h-5 text-sm text-emerald-700">
        {lastSent && (
          <>
            Sent: order {orderNumber(lastSent.orderId)} → {lastSent.status} (job {lastSent.jobId.slice(0, 8)}). The worker applies it in a moment.
          </>
        )}
      </p>

      <TableScroll ref={tableRef} label="Orders table" {...holdProps}>
        <ShowNewer newer={newer} one="order" many="orders" onClick={showNewer} />
        <table className="w-full text-left text-sm" data-testid="orders-table">
          <thead className="border-b border-zinc-200 text-xs uppercase text-zinc-500 dark:border-zinc-800">
            <tr>
              <th className="py-2 pr-3">
                {/* The store's arrival number (the keyset cursor), not a count within this sale: a sale's 11
                    orders may read 71 to 81, and under a filter or search they skip. */}
                <abbr title={SEQ_MEANING} className="cursor-help">
                  Seq.
                </abbr>
                <span className="sr-only"> (arrival number, across every sale)</span>
              </th>
              <th className="py-2 pr-3">Order</th>
              <th className="py-2 pr-3">Shopper</th>
              <th className="py-2 pr-3">Status</th>
              <th className="py-2 pr-3">Placed</th>
              <th className="py-2">Actions</th>
            </tr>
          </thead>
          <tbody>
            {orders.map((order) => (
              <tr key={order.id} data-testid="order-row" data-order-id={order.id} data-status={order.status} className="border-b border-zinc-100 dark:border-zinc-900">
                <td className="py-1.5 pr-3 tabular-nums text-zinc-500">{order.seq}</td>
                <td className="py-1.5 pr-3 font-mono">
                  {/* The order number as the shopper's page shows it (48EABAC2), so the two read alike. */}
                  <CopyId id={order.id} short={orderNumber(order.id)} what="order id" />
                </td>
                <td className="py-1.5 pr-3">{order.email}</td>
                <td id={`order-status-${order.id}`} tabIndex={-1} data-testid="order-status-cell" className="py-1.5 pr-3">
                  {order.status}
                  {order.failureReason ? ` (${order.failureReason.replace("_", " ")})` : ""}
                </td>
                <td className="py-1.5 pr-3 whitespace-nowrap">
                  <Time iso={order.createdAt} />
                </td>
                <td className="py-1.5">
                  {order.status === "completed" &&
                    (sent[order.id] ? (
                      <span data-testid="change-sent" className="text-zinc-500">
                        → {sent[order.id]!.what}: sent, applying…
                      </span>
                    ) : (
                      <span className="flex flex-col gap-1">
                        <RowActions
                          actions={[
                            { label: "Ship", onClick: () => void send(order.id, "shipped") },
                            { label: "Cancel", onClick: () => void send(order.id, "cancelled"), isDanger: true, confirm: "Yes, cancel the order" },
                          ]}
                          // Focus stays on the row, on its status, which turns shipped or cancelled. Under a
                          // status filter the changed row leaves the table, so focus goes to the table itself.
                          landing={() => (landedRef.current = status ? tableRef.current : document.getElementById(`order-status-${order.id}`))}
                        />
                        {refused[order.id] && (
                          <span role="alert" data-testid="change-refused" className="text-red-600">
                            {refused[order.id]}
                          </span>
                        )}
                      </span>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {/* "Yet" only where the page is the sale's newest orders, unfiltered; not over a previous
            filter's rows shown while the next one loads. */}
        {orders.length === 0 && newer === 0 && !page.isPending && !page.isPlaceholderData && (
          <p className="py-3 text-sm text-zinc-500">{status || search || cursor.before || cursor.after ? "No orders match." : "No orders yet."}</p>
        )}
      </TableScroll>
      {/* A phone shows no tooltip: there the column's meaning is a line of its own (screen readers have it
          in the column's name already). */}
      <p aria-hidden="true" className="text-xs text-zinc-500 sm:hidden">
        Seq.: {SEQ_MEANING}
      </p>

      <div className="flex gap-2 text-sm">
        <PageButton isOff={!page.data?.hasNewer} onPress={() => setCursor({ after: orders[0]?.seq })}>
          ← Newer
        </PageButton>
        <PageButton isOff={!page.data?.hasOlder} onPress={() => setCursor({ before: orders.at(-1)?.seq })}>
          Older →
        </PageButton>
        <PageButton isOff={!cursor.before && !cursor.after} onPress={() => setCursor({})}>
          Newest
        </PageButton>
      </div>

      <StatusChangeForm saleId={saleId} />
    </div>
  );
}

/**
 * A button between the table's pages. aria-disabled, not disabled, when there is no page that way: the
 * one pressed to reach the last page (or the newest) turns off under keyboard focus, and a disabled
 * button would drop focus to the page, the next Tab starting again from its top.
 */
function PageButton({ isOff, onPress, children }: { isOff: boolean; onPress: () => void; children: ReactNode }) {
  return (
    <button type="button" aria-disabled={isOff} onClick={() => !isOff && onPress()} className="rounded border border-zinc-300 px-3 py-1 aria-disabled:opacity-40 dark:border-zinc-700">
      {children}
    </button>
  );
}

/** The change typed when a request of the page met an expired session, kept through the sign-in. */
type TypedChange = { orderId: string; status: AdminStatus };
const isTypedChange = (value: unknown): value is TypedChange =>
  typeof (value as TypedChange | null)?.orderId === "string" && ADMIN_STATUSES.includes((value as TypedChange).status);

/**
 * A change for any order by its full id, as a support ticket would quote it or the table's Copy gives it.
 * What is typed is kept through the sign-in that an expired session leads to (its Send, or a refresh of
 * the table meeting the expiry), as the sale form keeps its fields: a pasted id is not to be found again.
 */
function StatusChangeForm({ saleId }: { saleId: string }) {
  // Usable once the page's scripts have run, like the table's search (above). Drawn anew then, so what
  // was kept is read in the browser only, after the server's empty fields have been hydrated.
  const isClient = useIsClient();
  return <StatusChangeFields key={String(isClient)} saleId={saleId} isClient={isClient} />;
}

function StatusChangeFields({ saleId, isClient }: { saleId: string; isClient: boolean }) {
  const keptKey = `flash-sale:admin-status-change:${saleId}`;
  const [kept] = useState(() => (isClient ? readKept(keptKey, isTypedChange) : null));
  const [orderId, setOrderId] = useState(kept?.orderId ?? "");
  const [status, setStatus] = useState<AdminStatus>(kept?.status ?? "shipped");
  useEffect(() => {
    if (kept) writeKept(keptKey, null);
  }, [kept, keptKey]);
  const change = useStatusChange();
  // The answer to the change last sent is shown while the fields still hold that change: once another
  // id is typed or another status picked, "Sent as job …" (or its refusal) would read as about that one.
  const isLastSent = change.variables?.orderId === orderId.trim() && change.variables.status === status;
  // Kept unless it is the change just sent ("Sent as job …" on screen): brought back after the sign-in,
  // it would invite sending it twice.
  useKeepThroughSignIn(() => {
    if (orderId.trim() && !(change.isSuccess && isLastSent)) writeKept(keptKey, { orderId, status });
  });
  const [isShortId, setIsShortId] = useState(false);
  // A cancel cannot be undone: as the row's Cancel does, Send change asks first, the question taking
  // the button's place (focus with it; Escape or Keep goes back). It is about the change typed when
  // it was asked: a change to the fields drops it.
  const [askedFor, setAskedFor] = useState<TypedChange | null>(null);
  const isAsking = askedFor?.orderId === orderId && askedFor.status === status;
  const { confirmRef, triggerRef } = useConfirmFocus(isAsking ? "cancel" : null);
  const send = () => {
    setAskedFor(null);
    change.mutate({ orderId: orderId.trim(), status });
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (change.isPending) return;
    // The table's 8 characters name no order for the API: the form says where the full id is.
    const isFull = isUuid(orderId.trim());
    setIsShortId(!isFull);
    if (!isFull) change.reset();
    else if (status === "cancelled") setAskedFor({ orderId, status });
    else send();
  };
  return (
    <form onSubmit={onSubmit} aria-label="Change an order by id" className="flex flex-wrap items-end gap-2 rounded-xl border border-zinc-200 p-3 text-sm dark:border-zinc-800">
      <label className="flex flex-col">
        <span className="font-medium">Order id</span>
        <input value={orderId} disabled={!isClient} onChange={(e) => setOrderId(e.target.value)} required className="w-80 rounded-md border border-zinc-300 bg-white px-2 py-1.5 font-mono dark:border-zinc-700 dark:bg-zinc-900" />
      </label>
      <label className="flex flex-col">
        <span className="font-medium">New status</span>
        <select value={status} disabled={!isClient} onChange={(e) => setStatus(e.target.value as AdminStatus)} className="rounded-md border border-zinc-300 bg-white px-2 py-1.5 dark:border-zinc-700 dark:bg-zinc-900">
          {ADMIN_STATUSES.map((next) => (
            <option key={next} value={next}>
              {next}
            </option>
          ))}
        </select>
      </label>
      {isAsking ? (
        <span className="flex gap-2" onKeyDown={(e) => e.key === "Escape" && setAskedFor(null)}>
          <button ref={confirmRef} type="button" onClick={send} className="rounded-md bg-red-600 px-3 py-1.5 font-semibold text-white">
            Yes, cancel the order
          </button>
          <button type="button" onClick={() => setAskedFor(null)} className="rounded-md border border-zinc-300 px-3 py-1.5 dark:border-zinc-700">
            Keep
          </button>
        </span>
      ) : (
        // aria-disabled while a change is on its way, not disabled: the confirmed cancel hands focus
        // back to this button, and a disabled one would drop it to the page.
        <button
          ref={triggerRef("cancel")}
          type="submit"
          disabled={!isClient}
          aria-disabled={change.isPending}
          className="rounded-md bg-zinc-900 px-3 py-1.5 font-medium text-white aria-disabled:opacity-60 dark:bg-zinc-100 dark:text-zinc-900"
        >
          Send change
        </button>
      )}
      {change.data && isLastSent && <span role="status" className="text-emerald-700">Sent as job {change.data.jobId.slice(0, 8)}: applied shortly, or listed under dead letters if it cannot be.</span>}
      {change.error && isLastSent && <span role="alert" className="text-red-600">{change.error.message}</span>}
      {isShortId && (
        <span role="alert" className="text-red-600">
          Enter the full order id (36 characters): the table shows its first 8; its Copy button copies the whole id.
        </span>
      )}
    </form>
  );
}
