import { describe, expect, it } from "vitest";
import { webMetrics } from "@/db/metrics";
import { countOf, histogramDelta, parseHistograms, quantileMs } from "./web-metrics";

describe("the bench's reading of the web's Buy histograms", () => {
  it("reads what the web observed between two scrapes, web series only, percentiles within a bucket", async () => {
    const metrics = webMetrics();
    metrics.latency.observe(0.5);
    const before = parseHistograms(await metrics.registry.metrics());
    for (let i = 0; i < 90; i++) metrics.latency.observe(0.0025);
    for (let i = 0; i < 10; i++) metrics.latency.observe(0.012);
    metrics.groupSeconds.observe(0.0018);
    // A worker's series of the same name (as /api/metrics shows them) is not the web's.
    const text = `${await metrics.registry.metrics()}\norder_admission_seconds_bucket{le="0.003",role="worker",process="worker-1"} 1000\n`;
    const delta = histogramDelta(before.order_admission_seconds, parseHistograms(text).order_admission_seconds);

    expect(countOf(delta)).toBe(100);
    // 90 in (2, 3] ms, 10 in (10, 15] ms: the median is 50/90 of the way into the first.
    expect(quantileMs(delta, 0.5)).toBeCloseTo(2 + 50 / 90, 6);
    expect(quantileMs(delta, 0.95)).toBeCloseTo(12.5, 6);
    expect(quantileMs(parseHistograms(text).order_admission_group_seconds, 0.5)).toBeGreaterThan(1.5);
    expect(quantileMs(parseHistograms(text).order_admission_group_seconds, 0.5)).toBeLessThanOrEqual(2);
    expect(quantileMs(histogramDelta(delta, delta), 0.5)).toBeNaN();
  });
});
