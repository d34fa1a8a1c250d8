"use client";

import { type QueryClient, useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useState } from "react";
import type { Order } from "@/db/orders";
import type { Sale, SaleState } from "@/db/sales";
import { api } from "./api";

/** A round trip this short puts the offset within half of it: no need to ask again. */
const PRECISE_ROUND_TRIP_MS = 50;
const MAX_CLOCK_SAMPLES = 3;

/**
 * The server's clock, and, where the browser says so, when its network stack sent the request and
 * began to receive the answer (on the browser's clock).
 */
export type ServerTime = { now: number; sentAt?: number; receivedAt?: number };

let timeRequests = 0;

/**
 * Asks `GET /api/time`, and reads the request's own times from Resource Timing: they leave out a wait
 * for a free connection before the request left and a busy page's delay before the answer is read,
 * which the page's own clock, read around the call, counts in. Without them (a browser that does not
 * record the entry) the page's own clock is used.
 */
async function askTime(): Promise<ServerTime> {
  // A name of its own for each request, so its Resource Timing entry is found, not an earlier one's.
  const url = new URL(`/api/time?n=${timeRequests++}`, window.location.href).href;
  // The page's buffer of entries (250) fills within minutes on a page that polls, and then records no
  // more; nothing else in the app reads them.
  performance.clearResourceTimings?.();
  const { now } = await api<{ now: number }>(url);
  const entry = (performance.getEntriesByName?.(url, "resource") as PerformanceResourceTiming[] | undefined)?.at(-1);
  if (!entry || !(entry.requestStart > 0) || !(entry.responseStart >= entry.requestStart)) return { now };
  // The browser's clock at the page's time origin, as of now (it may have been set since the page loaded).
  const origin = Date.now() - performance.now();
  return { now, sentAt: origin + entry.requestStart, receivedAt: origin + entry.responseStart };
}

/**
 * A reading of the server's clock: how far it is ahead of this browser's (`offset`), the round trip it
 * was read over (it is good to half of that), and when it was taken, on the browser's clock and on its
 * monotonic one (`performance.now()`), so a later reading can tell whether the browser's clock has been
 * set, or the machine has slept, since.
 */
export type ClockReading = { offset: number; roundTrip: number; wallAt: number; monoAt: number };

/**
 * How far the server's clock is ahead of this browser's, read at the middle of a round trip. Off by
 * up to half the round trip, and more one way than the other when the request waited on its way in
 * (a busy server, the moments a sale draws a crowd): so a slow round trip is asked again, up to three
 * times in all (`samples`), and the shortest one's reading is kept. The round trip is the network's
 * own where the browser records it (`askTime`).
 */
export async function measureOffset({
  askServer = askTime,
  browserNow = Date.now,
  monotonicNow = () => performance.now(),
  samples = MAX_CLOCK_SAMPLES,
}: {
  askServer?: () => Promise<number | ServerTime>;
  browserNow?: () => number;
  monotonicNow?: () => number;
  samples?: number;
} = {}): Promise<ClockReading> {
  let best: { roundTrip: number; offset: number } | undefined;
  for (let i = 0; i < samples && !(best && best.roundTrip <= PRECISE_ROUND_TRIP_MS); i++) {
    const sent = browserNow();
    const answer = await askServer();
    const received = browserNow();
    const reading = typeof answer === "number" ? { now: answer } : answer;
    const from = reading.sentAt ?? sent;
    const to = reading.receivedAt ?? received;
    const sample = { roundTrip: to - from, offset: reading.now - (from + to) / 2 };
    if (!best || sample.roundTrip < best.roundTrip) best = sample;
  }
  return { ...best!, wallAt: browserNow(), monoAt: monotonicNow() };
}

/** A reading over a round trip slower than this is asked again soon: the server was busy answering it. */
const SLOW_ROUND_TRIP_MS = 200;
/** How soon, and how many times at most, so a server that stays slow is not asked ever more often. */
const FOLLOW_UP_MS = 5000;
const MAX_FOLLOW_UPS = 3;
/** Otherwise the clock is read again every 5 minutes (and whenever the tab comes back into view). */
const CLOCK_REFRESH_MS = 5 * 60_000;
/** An earlier reading is kept over a later, slower one only within this time of it... */
const READING_KEPT_MS = 60_000;
/** ...and only while the browser's clock has run with its monotonic one, to within this. */
const CLOCK_JUMP_MS = 1000;

/**
 * When the server's clock is read next, after `readings` readings, the latest `reading`: a reading over
 * a slow round trip (a page loaded in a crowd's first seconds, when the server is busiest) is asked
 * again 5 s later, up to three times, rather than left 5 minutes to put the page's countdowns up to
 * half a second or more off.
 */
export function nextClockReadingMs(reading: ClockReading | undefined, readings: number): number {
  return reading !== undefined && reading.roundTrip > SLOW_ROUND_TRIP_MS && readings <= MAX_FOLLOW_UPS ? FOLLOW_UP_MS : CLOCK_REFRESH_MS;
}

/**
 * The reading to go by: `latest`, unless `previous` was read over a shorter round trip (so is the more
 * precise) less than a minute before it and the browser's clock has not been set, nor the machine
 * slept, in between (its clock ran with its monotonic one).
 */
export function preciserReading(previous: ClockReading | undefined, latest: ClockReading): ClockReading {
  if (previous === undefined || previous.roundTrip >= latest.roundTrip) return latest;
  const elapsed = latest.monoAt - previous.monoAt;
  const jumped = Math.abs(latest.wallAt - previous.wallAt - elapsed) > CLOCK_JUMP_MS;
  return elapsed >= 0 && elapsed < READING_KEPT_MS && !jumped ? previous : latest;
}

const SERVER_CLOCK_KEY = ["server-clock"];

/** The page's latest reading of the server's clock, if it has one yet (outside a render: a Buy's checks). */
export function knownClockReading(queryClient: QueryClient): ClockReading | undefined {
  return queryClient.getQueryData<ClockReading>(SERVER_CLOCK_KEY);
}

const serverClockQuery = (queryClient: QueryClient) => ({
  queryKey: SERVER_CLOCK_KEY,
  queryFn: async () => preciserReading(knownClockReading(queryClient), await measureOffset()),
  staleTime: 60_000,
});

/**
 * How far the server's clock is ahead of this browser's: the page's reading, or one taken now (kept as
 * the page's), asked at once whatever the browser thinks of its connection, and not behind the page's
 * own read, which may be waiting out a retry's delay after failing while the server was out of reach;
 * rejected if the server has not answered within `timeoutMs`, for the caller to fall back on.
 */
export async function readServerOffset(queryClient: QueryClient, timeoutMs = 2000): Promise<number> {
  const known = knownClockReading(queryClient);
  if (known) return known.offset;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("The server's clock did not answer in time.")), timeoutMs);
  });
  // One round trip: a save judges an end to the minute, not to the half second a countdown needs (the
  // page's own read refines it), and its 2 s are not spent asking again.
  const reading = measureOffset({ samples: 1 }).then((measured) => queryClient.setQueryData<ClockReading>(SERVER_CLOCK_KEY, (previous) => preciserReading(previous, measured))!);
  try {
    return (await Promise.race([reading, timeout])).offset;
  } finally {
    clearTimeout(timer);
  }
}

/** How far the server's clock is ahead of this browser's, once read (`enabled`: read it at all). */
export function useServerOffset({ enabled = true }: { enabled?: boolean } = {}): number | undefined {
  const queryClient = useQueryClient();
  const { data } = useQuery({
    ...serverClockQuery(queryClient),
    enabled,
    refetchInterval: (query) => nextClockReadingMs(query.state.data, query.state.dataUpdateCount),
    // A tab coming back may have slept, or its clock may have been changed meanwhile: measure again.
    refetchOnWindowFocus: "always",
  });
  return data?.offset;
}

/**
 * A list's one clock (the home page's sales): inside it, `useServerNow` reads the list's time, and every
 * countdown in the list changes digit in the list's one render each second, where a timer per countdown
 * would render and draw the page once per countdown, at its own moment of the second. `false` outside
 * any list; undefined until the list's clock is measured.
 */
export const ListClock = createContext<number | undefined | false>(false);

/**
 * The server's time now, re-rendering at each whole second before `target` (so a countdown to it
 * changes digit, and reaches zero, at the exact moment), or each second when there is no target; inside
 * a `ListClock`, the list's time, which moves on the server's whole seconds. Undefined until the first
 * measurement: nothing time-dependent is shown from the browser's own clock.
 */
export function useServerNow(target?: number): number | undefined {
  const listNow = useContext(ListClock);
  const inList = listNow !== false;
  const offset = useServerOffset();
  const [now, setNow] = useState<number>();
  useEffect(() => {
    if (offset === undefined || inList) return;
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      const t = Date.now() + offset;
      setNow(t);
      const phase = target !== undefined && target > t ? (target - t) % 1000 : 1000 - (t % 1000);
      timer = setTimeout(tick, (phase || 1000) + 2);
    };
    timer = setTimeout(tick, 0);
    return () => clearTimeout(timer);
  }, [offset, target, inList]);
  if (inList) return listNow;
  return offset === undefined ? undefined : now;
}

/** A sale's state at server time `now`, the same rule as the server's; the API's answer until the clock is known. */
export function stateAt(sale: Sale, now: number | undefined): SaleState {
  if (now === undefined) return sale.state;
  if (now < Date.parse(sale.startsAt)) return "scheduled";
  if (sale.remaining <= 0) return "sold_out";
  if (now >= Date.parse(sale.endsAt)) return "ended";
  return "live";
}

/** `1d 02:03:04`, `02:03:04` or `03:04` for a duration in milliseconds, rounded up to the second. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  const clock = h > 0 || days > 0 ? `${pad(h)}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
  return days > 0 ? `${days}d ${clock}` : clock;
}

/**
 * A polling interval spread ±20 % around `ms`. The pages of a crowd that opened a sale in the same
 * second would otherwise poll in the same instant, every time; with periods of their own they drift
 * apart. Components draw theirs through useSpreadPeriod.
 */
export function spread(ms: number): number {
  return Math.round(ms * (0.8 + Math.random() * 0.4));
}

/**
 * `spread(ms)` drawn once for the component's life. It must not be drawn again on each render:
 * TanStack Query restarts a query's timer whenever the interval it is given changes, so a period
 * drawn afresh per render (the page renders every second) would never fire.
 */
export function useSpreadPeriod(ms: number): number {
  const [period] = useState(() => spread(ms));
  return period;
}

/**
 * How long a waiting order's page waits before asking again, after `polls` answers (the order the Buy
 * returned counts as the first): 0.3 s, then half as long again each time, up to 3 s. A worker
 * settles an order within tens of milliseconds when the line is short, so the first look comes soon;
 * a long line is asked about ever more rarely.
 */
export function orderPollMs(polls: number): number {
  return Math.min(Math.round(200 * 1.5 ** Math.max(1, polls)), 3000);
}

/**
 * How often an order page with no order on screen yet asks again after a failure worth retrying (a 503
 * while the database restarts, the network): calm, since every open page asks, but by itself, so the
 * page recovers without a reload.
 */
export const UNAVAILABLE_RETRY_MS = 5000;

/** How often a confirmed order on screen is asked about again: the store may still ship or cancel it. */
export const CONFIRMED_REFRESH_MS = 30_000;

/**
 * When a shopper's order on screen is asked about next, by its status: while it waits in line, as
 * `orderPollMs`; once confirmed, every `confirmedMs` (about 30 s, spread once per page), since the
 * store may still ship or cancel it and the page must not go on saying "Confirmed" about a cancelled
 * order; never again once it is shipped, cancelled or not filled, which nothing changes. TanStack
 * Query asks only while the tab is in view, and again whenever it comes back into view. The same
 * inputs give the same period: TanStack Query restarts its timer whenever a render computes another.
 */
export function orderRefreshMs(status: Order["status"] | undefined, polls: number, confirmedMs: number = CONFIRMED_REFRESH_MS): number | false {
  if (status === "pending") return orderPollMs(polls);
  if (status === "completed") return confirmedMs;
  return false;
}
