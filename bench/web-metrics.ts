// The web's own view of a Buy, read from its /api/metrics: how long the route handler took
// (`order_admission_seconds`) and how long the group admission statement took from send to answer
// (`order_admission_group_seconds`). Beside the load generator's latency they say where a Buy's
// time goes: in the handler's round trip to Postgres, or before and after the handler (Next.js, HTTP,
// waiting for the web's event loop).

/** A Prometheus histogram: cumulative counts by upper bound (seconds; Infinity for +Inf). */
export type Histogram = { bounds: number[]; cumulative: number[] };

const HISTOGRAMS = ["order_admission_seconds", "order_admission_group_seconds"] as const;
type Name = (typeof HISTOGRAMS)[number];
export type WebHistograms = Record<Name, Histogram>;

/** The web's /api/metrics text. The web inherits this process's environment: a METRICS_TOKEN set here guards it. */
export async function metricsText(origin: string): Promise<string> {
  const token = process.env.METRICS_TOKEN;
  const res = await fetch(`${origin}/api/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw new Error(`GET /api/metrics answered ${res.status}`);
  return res.text();
}

/** The web's Buy histograms now, summed over its series with `role="web"`. */
export async function readWebHistograms(origin: string): Promise<WebHistograms> {
  return parseHistograms(await metricsText(origin));
}

export function parseHistograms(text: string): WebHistograms {
  const byName = new Map<string, Map<number, number>>(HISTOGRAMS.map((name) => [name, new Map()]));
  for (const line of text.split("\n")) {
    const match = /^(\w+)_bucket\{([^}]*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const buckets = byName.get(match[1]!);
    if (!buckets) continue;
    const labels = Object.fromEntries([...match[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (labels.role !== "web") continue;
    const bound = labels.le === "+Inf" ? Infinity : Number(labels.le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(match[3]));
  }
  const histogram = (name: Name): Histogram => {
    const entries = [...byName.get(name)!].sort((a, b) => a[0] - b[0]);
    if (entries.length === 0) throw new Error(`/api/metrics has no ${name} of the web`);
    return { bounds: entries.map(([bound]) => bound), cumulative: entries.map(([, count]) => count) };
  };
  return { order_admission_seconds: histogram("order_admission_seconds"), order_admission_group_seconds: histogram("order_admission_group_seconds") };
}

/** What was observed between two readings of the same histogram. */
export function histogramDelta(before: Histogram, after: Histogram): Histogram {
  if (before.bounds.join() !== after.bounds.join()) throw new Error("the histogram's buckets changed between readings");
  return { bounds: after.bounds, cumulative: after.cumulative.map((count, i) => count - before.cumulative[i]!) };
}

/**
 * The q-quantile in milliseconds, interpolated linearly within its bucket (as Prometheus's
 * histogram_quantile does): exact to within that bucket's width. Past the last finite bound it is
 * that bound; NaN for an empty histogram.
 */
export function quantileMs(h: Histogram, q: number): number {
  const total = h.cumulative.at(-1) ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  const i = h.cumulative.findIndex((count) => count >= rank);
  const upper = h.bounds[i]!;
  const lower = i === 0 ? 0 : h.bounds[i - 1]!;
  if (upper === Infinity) return lower * 1000;
  const below = i === 0 ? 0 : h.cumulative[i - 1]!;
  const inBucket = h.cumulative[i]! - below;
  return (lower + (upper - lower) * (inBucket === 0 ? 1 : (rank - below) / inBucket)) * 1000;
}

export const countOf = (h: Histogram): number => h.cumulative.at(-1) ?? 0;
