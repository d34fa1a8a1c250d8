import { scaleLinear } from "d3-scale";
import { line } from "d3-shape";
import type { Histogram } from "hdr-histogram-js";

// Small self-contained SVG line charts: d3-scale for the axes, d3-shape for the paths.

export type Series = { name: string; points: [number, number][] };

const colors = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2"];
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function lineChart(options: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Tick positions on the x axis and their labels; default: 6 linear ticks. */
  xTicks?: { at: number; label: string }[];
  width?: number;
  height?: number;
}): string {
  const width = options.width ?? 720;
  const height = options.height ?? 360;
  const m = { top: 36, right: 20, bottom: 44, left: 64 };
  const all = options.series.flatMap((s) => s.points);
  const xMax = Math.max(1e-9, ...all.map((p) => p[0]));
  const yMax = Math.max(1e-9, ...all.map((p) => p[1]));
  const x = scaleLinear().domain([0, xMax]).range([m.left, width - m.right]);
  const y = scaleLinear().domain([0, yMax]).nice().range([height - m.bottom, m.top]);
  const path = line<[number, number]>()
    .x((p) => x(p[0]))
    .y((p) => y(p[1]));
  const xTicks = options.xTicks ?? x.ticks(6).map((at) => ({ at, label: String(at) }));
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="600">${esc(options.title)}</text>`,
  ];
  for (const t of y.ticks(6)) {
    parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${y(t)}" y2="${y(t)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${m.left - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`);
  }
  for (const t of xTicks) {
    parts.push(`<line x1="${x(t.at)}" x2="${x(t.at)}" y1="${height - m.bottom}" y2="${height - m.bottom + 4}" stroke="#374151"/>`);
    parts.push(`<text x="${x(t.at)}" y="${height - m.bottom + 16}" text-anchor="middle">${esc(t.label)}</text>`);
  }
  parts.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${height - m.bottom}" y2="${height - m.bottom}" stroke="#374151"/>`);
  parts.push(`<text x="${(m.left + width - m.right) / 2}" y="${height - 8}" text-anchor="middle">${esc(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${(m.top + height - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel)}</text>`);
  options.series.forEach((s, i) => {
    const color = colors[i % colors.length];
    parts.push(`<path d="${path(s.points) ?? ""}" fill="none" stroke="${color}" stroke-width="1.8"/>`);
    parts.push(`<rect x="${m.left + 10}" y="${m.top + 4 + i * 16}" width="12" height="3" fill="${color}"/>`);
    parts.push(`<text x="${m.left + 28}" y="${m.top + 9 + i * 16}">${esc(s.name)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

// Percentiles spread as HdrHistogram plots them: 90, 99 and 99.9 equally far apart.
const spread = (percentile: number) => Math.log10(100 / (100 - percentile));

/** Latency by percentile, from the median out to the tail. */
export function latencyChart(title: string, histograms: { name: string; histogram: Histogram }[]): string {
  const percentiles = [0, 10, 25, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 98, 99, 99.5, 99.9];
  const series = histograms.map(({ name, histogram }) => ({
    name,
    points: percentiles.map((p) => [spread(p), histogram.getValueAtPercentile(p) / 1000] as [number, number]),
  }));
  const xTicks = [0, 50, 90, 99, 99.9].map((p) => ({ at: spread(p), label: `p${p}` }));
  return lineChart({ title, xLabel: "percentile", yLabel: "latency (ms)", series, xTicks });
}
