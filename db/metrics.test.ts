import { describe, expect, it, vi } from "vitest";
import { log } from "./log";
import { createWebMetrics, flushRejectionSummary, recordRejection, webMetrics } from "./metrics";

describe("series an alert reads before anything happens", () => {
  it("has a series at 0 for every reason a Buy can be rejected with, every outcome of the Buy's latency and every dead-letter queue, before any Buy", async () => {
    const text = await createWebMetrics().registry.metrics();
    for (const reason of ["invalid_json", "invalid_request", "payload_too_large", "unauthenticated", "forbidden", "sale_not_found", "sale_not_started", "sale_ended", "sold_out", "rate_limited", "busy", "unavailable", "internal_error"]) {
      expect(text, reason).toMatch(new RegExp(`^orders_rejected_total\\{reason="${reason}",[^}]*\\} 0$`, "m"));
    }
    for (const queue of ["place-order-dead", "order-status-dead"]) expect(text, queue).toMatch(new RegExp(`^order_dead_letters\\{[^}]*queue="${queue}"[^}]*\\} 0$`, "m"));
    // The Buy's latency likewise, for each outcome it is timed under.
    for (const outcome of ["accepted", "repeated", "rejected"]) {
      expect(text, outcome).toMatch(new RegExp(`^order_admission_seconds_count\\{[^}]*outcome="${outcome}"[^}]*\\} 0$`, "m"));
    }
  });
});

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
