import { build, type Histogram } from "hdr-histogram-js";
import { Pool } from "undici";

// The load generator: undici keeps a fixed pool of keep-alive connections, hdr-histogram-js records
// every latency in microseconds. Closed loop: `concurrency` requests in flight, each sent when one
// answers. Open loop: requests leave at a fixed rate whatever the server does, and latency is
// measured from when each one was due, so a stalled server cannot hide its queue (no coordinated
// omission).

/** A request; `labels` names its answers by status where the body has no error code (the floor's 200
 * is "ok", a Buy's 200 is a repeat click's). */
export type Shot = { method: "GET" | "POST"; path: string; cookie?: string; labels?: Record<number, string> };

export type Answer = { index: number; status: number; code: string; body: any; sentAt: number; answeredAt: number };

export type LoadResult = {
  requests: number;
  durationMs: number;
  reqPerS: number;
  latency: Histogram;
  /** `"<status> <code>"` → count, e.g. "202 accepted", "410 sold_out", "0 network_error". */
  answers: Record<string, number>;
  /** Answers per second, for each second since the start (the last, partial one as a rate). */
  perSecond: number[];
};

export type Summary = { p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number; meanMs: number };

export function summarize(h: Histogram): Summary {
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    p50Ms: ms(h.getValueAtPercentile(50)),
    p95Ms: ms(h.getValueAtPercentile(95)),
    p99Ms: ms(h.getValueAtPercentile(99)),
    maxMs: ms(h.maxValue),
    meanMs: ms(h.mean),
  };
}

const codeFor: Record<number, string> = { 200: "repeat", 201: "created", 202: "accepted", 204: "no_content" };

export function newPool(origin: string, connections: number): Pool {
  return new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 30_000, bodyTimeout: 30_000 });
}

export async function fire(pool: Pool, shot: Shot): Promise<{ status: number; code: string; body: any }> {
  try {
    const headers: Record<string, string> = {};
    if (shot.cookie) headers.cookie = shot.cookie;
    const res = await pool.request({ method: shot.method, path: shot.path, headers });
    const text = await res.body.text();
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const code = body?.error?.code ?? shot.labels?.[res.statusCode] ?? codeFor[res.statusCode] ?? "other";
    return { status: res.statusCode, code, body };
  } catch (err) {
    return { status: 0, code: `network_error`, body: { message: String(err) } };
  }
}

class Recorder {
  readonly latency = build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  readonly answers: Record<string, number> = {};
  readonly perSecond: number[] = [];
  constructor(readonly startedAt: number) {}

  record(due: number, status: number, code: string): number {
    const now = performance.now();
    this.latency.recordValue(Math.max(1, Math.round((now - due) * 1000)));
    const key = `${status} ${code}`;
    this.answers[key] = (this.answers[key] ?? 0) + 1;
    const second = Math.floor((now - this.startedAt) / 1000);
    while (this.perSecond.length <= second) this.perSecond.push(0);
    this.perSecond[second]!++;
    return now;
  }

  result(requests: number): LoadResult {
    const durationMs = performance.now() - this.startedAt;
    // The last second is cut short by the end of the run: its count is scaled to a rate.
    const perSecond = [...this.perSecond];
    const lastSecond = perSecond.length - 1;
    const lastSpan = durationMs / 1000 - lastSecond;
    if (lastSecond >= 0 && lastSpan > 0 && lastSpan < 1) perSecond[lastSecond] = Math.round(perSecond[lastSecond]! / lastSpan);
    return { requests, durationMs, reqPerS: (requests / durationMs) * 1000, latency: this.latency, answers: this.answers, perSecond };
  }
}

/** `count` requests with `concurrency` in flight; `shot(i)` says what request i is. */
export async function closedLoop(options: {
  pool: Pool;
  count: number;
  concurrency: number;
  shot: (i: number) => Shot;
  onAnswer?: (answer: Answer) => void;
  maxSeconds: number;
}): Promise<LoadResult> {
  const rec = new Recorder(performance.now());
  const deadline = rec.startedAt + options.maxSeconds * 1000;
  let next = 0;
  let done = 0;
  const runner = async () => {
    while (next < options.count && performance.now() < deadline) {
      const index = next++;
      const sentAt = performance.now();
      const { status, code, body } = await fire(options.pool, options.shot(index));
      const answeredAt = rec.record(sentAt, status, code);
      done++;
      options.onAnswer?.({ index, status, code, body, sentAt, answeredAt });
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.count) }, runner));
  // Requests the time limit left unsent are counted apart, as in the open loop: the run's answers say so.
  if (next < options.count) rec.answers["0 not_sent"] = options.count - next;
  return rec.result(done);
}

/**
 * The answers outside `expected` (keys such as "202 accepted"), with their counts: a phase's requests/s
 * and latencies count every answer, so a run whose answers include errors, refusals or requests never
 * sent cannot have its ratios read as met.
 */
export function unexpectedAnswers(answers: Record<string, number>, expected: string[]): Record<string, number> {
  return Object.fromEntries(Object.entries(answers).filter(([key, n]) => n > 0 && !expected.includes(key)));
}

/** `rate` requests per second for `count` requests. At most `maxInFlight` are outstanding: one that
 * comes due beyond that waits here for a slot, still timed from when it was due, so a server that
 * falls far behind shows it in the latencies rather than in requests never sent. Nothing more is sent
 * once `maxSeconds` have passed (by default three times the schedule's length, and 30 s more): the
 * requests left are counted as "0 not_sent", outside the latencies, and the run's answers say so. */
export async function openLoop(options: {
  pool: Pool;
  rate: number;
  count: number;
  shot: (i: number) => Shot;
  onAnswer?: (answer: Answer) => void;
  maxInFlight?: number;
  maxSeconds?: number;
}): Promise<LoadResult> {
  const rec = new Recorder(performance.now());
  const maxInFlight = options.maxInFlight ?? 5000;
  const interval = 1000 / options.rate;
  const deadline = rec.startedAt + (options.maxSeconds ?? (3 * options.count) / options.rate + 30) * 1000;
  let notSent = 0;
  let sent = 0;
  let inFlight = 0;
  const waiting: number[] = [];
  const outstanding: Promise<void>[] = [];
  const send = (index: number): Promise<void> => {
    inFlight++;
    const due = rec.startedAt + index * interval;
    return fire(options.pool, options.shot(index)).then(({ status, code, body }) => {
      inFlight--;
      const answeredAt = rec.record(due, status, code);
      options.onAnswer?.({ index, status, code, body, sentAt: due, answeredAt });
      const next = waiting.shift();
      if (next === undefined) return;
      if (performance.now() < deadline) return send(next);
      notSent += waiting.length + 1;
      waiting.length = 0;
    });
  };
  while (sent < options.count && performance.now() < deadline) {
    const now = performance.now();
    // Every request that has come due is sent now, each timed from the moment it was due.
    while (sent < options.count && rec.startedAt + sent * interval <= now) {
      const index = sent++;
      if (inFlight >= maxInFlight) waiting.push(index);
      else outstanding.push(send(index));
    }
    const nextDue = rec.startedAt + sent * interval;
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(5, nextDue - performance.now()))));
  }
  await Promise.all(outstanding);
  notSent += options.count - sent;
  if (notSent > 0) rec.answers["0 not_sent"] = notSent;
  return rec.result(options.count - notSent);
}

/** A small seeded generator (mulberry32): the same flags give the same storm. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Who clicks, in order: every shopper once, plus `requests - shoppers` repeat clicks by random
 * shoppers, shuffled together. */
export function clickOrder({ shoppers, requests, seed }: { shoppers: number; requests: number; seed: number }): number[] {
  const random = seededRandom(seed);
  const order = Array.from({ length: requests }, (_, i) => (i < shoppers ? i : Math.floor(random() * shoppers)));
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Two runs of the same load as one (e.g. halves measured before and after another phase). */
export function mergeLoads(a: LoadResult, b: LoadResult): LoadResult {
  const latency = build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  latency.add(a.latency);
  latency.add(b.latency);
  const answers = { ...a.answers };
  for (const [k, v] of Object.entries(b.answers)) answers[k] = (answers[k] ?? 0) + v;
  const requests = a.requests + b.requests;
  const durationMs = a.durationMs + b.durationMs;
  return { requests, durationMs, reqPerS: (requests / durationMs) * 1000, latency, answers, perSecond: [...a.perSecond, ...b.perSecond] };
}
