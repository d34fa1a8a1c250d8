import { describe, expect, it, vi } from "vitest";
import { log } from "./log";
import { flushRejectionSummary, recordRejection, webMetrics } from "./metrics";

describe("rejection logging", () => {
  it("sums a storm of rejections into one line per interval instead of a line per request", async () => {
    const info = vi.spyOn(log, "info").mockImplementation(() => {});
    const warn = vi.spyOn(log, "warn").mockImplementation(() => {});
    for (let i = 0; i < 500; i++) recordRejection(i % 5 === 0 ? "busy" : "sold_out");
    expect(info).not.toHaveBeenCalled();
    flushRejectionSummary();
    expect(info).toHaveBeenCalledTimes(1);
    expect(info.mock.calls[0]![0]).toMatchObject({ rejected: { busy: 100, sold_out: 400 } });
    // Nothing new, nothing logged.
    flushRejectionSummary();
    expect(info).toHaveBeenCalledTimes(1);
    expect(warn).not.toHaveBeenCalled();

    const text = await webMetrics().registry.metrics();
    expect(text).toContain('orders_rejected_total{reason="sold_out",role="web"');
    expect(text).toMatch(/order_queue_overflow_total\{[^}]*\} 100\n/);
  });
});
