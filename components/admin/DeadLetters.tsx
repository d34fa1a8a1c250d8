"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRef } from "react";
import type { DeadLetter } from "@/db/dead-letters";
import { everyInterval } from "@/components/format";
import { PLACE_ORDER_DEAD } from "@/jobs/queues";
import { adminApi, Time } from "./api";
import { RowActions } from "./RowActions";
import { StaleNote } from "./StaleNote";
import { TableScroll } from "./TableScroll";
import { ShowNewer, useRowHold } from "./useRowHold";
import { useRowRequests } from "./useRowRequests";

const REFRESH_MS = 2000;

type Action = "retry" | "discard";
const doing: Record<Action, string> = { retry: "Retrying…", discard: "Discarding…" };
const done: Record<Action, string> = { retry: "Retried: back in its queue.", discard: "Discarded." };

/**
 * Every queue's dead letters, newest first, refreshed every REFRESH_MS, each with Retry and Discard.
 * Each row's action is its own: one on its way leaves every other row's buttons to use, and its outcome
 * is told on its row: one taken until the next refresh takes the row away, a refusal (with why, the
 * buttons back to take it again) until the row's next action. The rows hold their places while the
 * pointer or focus is in the table (`useRowHold`).
 */
export function DeadLetters({ saleId }: { saleId?: string }) {
  const queryClient = useQueryClient();
  // Where keyboard focus goes once a row's Retry or Discard is taken: the row itself is about to go.
  const summaryRef = useRef<HTMLParagraphElement>(null);
  const url = saleId ? `/api/admin/dead-letters?saleId=${saleId}` : "/api/admin/dead-letters";
  const list = useQuery({
    queryKey: ["admin", "dead-letters", saleId ?? "all"],
    queryFn: () => adminApi<{ deadLetters: DeadLetter[]; total: number }>(url),
    refetchInterval: REFRESH_MS,
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["admin", "dead-letters"] });
  // One mutation serves every row; each row's call reports its own outcome (useRowRequests).
  const action = useMutation({
    mutationFn: ({ id, what }: { id: string; what: Action }) =>
      what === "retry" ? adminApi(`/api/admin/dead-letters/${id}/retry`, { method: "POST" }) : adminApi(`/api/admin/dead-letters/${id}`, { method: "DELETE" }),
    onSettled: refresh,
  });
  // Per row: the action on its way or taken ("Retrying…", "Discarded."), shown until the row leaves the
  // list at the next refresh; and a refusal with why, until the row's next action.
  const { sent, refused, send } = useRowRequests<Action>();
  const take = (id: string, what: Action) => send(id, what, () => action.mutateAsync({ id, what }), (why) => `Not ${what === "retry" ? "retried" : "discarded"}: ${why}`);
  const { rows, newer, showNewer, holdProps } = useRowHold(list.data?.deadLetters ?? [], {
    key: url,
    isAnswered: list.data !== undefined,
    // Newest first by when each died (db/dead-letters.ts).
    isNewer: (row, than) => Date.parse(row.deadAt) > Date.parse(than.deadAt),
  });

  // A failed refresh keeps the list on screen (and any confirmation open in it), with a note saying so.
  if (list.data === undefined) {
    return list.error ? <p role="alert" className="text-sm text-red-600">{list.error.message}</p> : <p className="text-sm text-zinc-500">Loading…</p>;
  }
  const { deadLetters, total } = list.data;
  return (
    <div className="space-y-3">
      <StaleNote query={list} what="the list as of" every={`The list refreshes ${everyInterval(REFRESH_MS)}.`} />
      <p ref={summaryRef} tabIndex={-1} data-testid="dead-letter-summary" className="text-sm">
        {saleId ? (
          <>
            About one sale ·{" "}
            <Link href="/admin/dead-letters" className="underline">
              show all
            </Link>{" "}
            ·{" "}
          </>
        ) : null}
        <span data-testid="dead-letter-total">{total}</span> waiting{total > deadLetters.length ? `, the newest ${deadLetters.length} shown` : ""}.
      </p>
      {deadLetters.length === 0 ? (
        <p className="text-sm text-zinc-500">No dead letters. Every job either succeeded or is still being retried.</p>
      ) : (
        <TableScroll label="Dead letters table" {...holdProps}>
          <ShowNewer newer={newer} one="dead letter" many="dead letters" onClick={showNewer} />
          <table className="w-full text-left text-sm">
            <thead className="border-b border-zinc-200 text-xs uppercase text-zinc-500 dark:border-zinc-800">
              <tr>
                <th className="py-2 pr-3">Queue</th>
                <th className="py-2 pr-3">Payload</th>
                <th className="py-2 pr-3">Error</th>
                <th className="py-2 pr-3">Attempts</th>
                <th className="py-2 pr-3">Dead since</th>
                <th className="py-2">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => {
                const taken = sent[d.id];
                return (
                  <tr key={d.id} data-testid="dead-letter-row" data-order-id={String(d.payload.orderId ?? "")} className="border-b border-zinc-100 align-top dark:border-zinc-900">
                    <td className="py-2 pr-3 font-mono whitespace-nowrap">{d.queue}</td>
                    <td className="py-2 pr-3">
                      {/* Wide enough for a line holding an id (53 characters), so the JSON reads line by line
                          on a phone too, where the table scrolls; a longer line wraps between words, and
                          only a word longer than the column is broken. */}
                      <pre className="max-w-xl min-w-[24rem] text-xs wrap-break-word whitespace-pre-wrap">{JSON.stringify(d.payload, null, 1)}</pre>
                    </td>
                    <td className="py-2 pr-3">
                      {d.reason && <span className="mr-1 rounded bg-red-100 px-1.5 py-0.5 font-mono text-xs text-red-800 dark:bg-red-900/40 dark:text-red-200">{d.reason}</span>}
                      {d.error}
                    </td>
                    <td className="py-2 pr-3 tabular-nums">{d.attempts}</td>
                    <td className="py-2 pr-3 whitespace-nowrap">
                      <Time iso={d.deadAt} />
                    </td>
                    <td className="py-2">
                      {taken ? (
                        <span data-testid="dead-letter-action" className={taken.isDone ? "text-emerald-700" : "text-zinc-500"}>
                          {(taken.isDone ? done : doing)[taken.what]}
                        </span>
                      ) : (
                        <span className="flex flex-col gap-1">
                          <RowActions
                            actions={[
                              { label: "Retry", onClick: () => void take(d.id, "retry") },
                              {
                                label: "Discard",
                                onClick: () => void take(d.id, "discard"),
                                isDanger: true,
                                // An allocation's dead letter holds an order still in line: discarding it fails that order.
                                confirm: d.deadLetterQueue === PLACE_ORDER_DEAD ? "Yes, discard it and fail the order" : "Yes, discard it",
                              },
                            ]}
                            landing={() => summaryRef.current}
                          />
                          {refused[d.id] && (
                            <span role="alert" data-testid="dead-letter-refused" className="text-red-600">
                              {refused[d.id]}
                            </span>
                          )}
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableScroll>
      )}
    </div>
  );
}
