import { describe, expect, it } from "vitest";
import { ApiError, NetworkError } from "./api";
import { errorMessage, failureMessage, isRetryable } from "./messages";

// Every error code of the contract's order, session and order-status endpoints, and the 503 every route
// answers while the database restarts.
const contractCodes = [
  "invalid_json",
  "invalid_request",
  "unauthenticated",
  "sale_not_found",
  "order_not_found",
  "sale_not_started",
  "sale_ended",
  "sold_out",
  "payload_too_large",
  "rate_limited",
  "busy",
  "unavailable",
  "internal_error",
];

describe("messages", () => {
  it("gives every answer of the contract a sentence of its own, not the server's text", () => {
    for (const code of contractCodes) {
      const text = errorMessage(new ApiError(400, code, "SERVER TEXT"));
      expect(text, code).not.toBe("SERVER TEXT");
      expect(text, code).toMatch(/^[A-Z].*[.!]$/);
    }
  });

  it("falls back to the server's message for a code it does not know, and names network failures", () => {
    expect(errorMessage(new ApiError(418, "teapot", "I am a teapot."))).toBe("I am a teapot.");
    expect(errorMessage(new NetworkError())).toMatch(/couldn't reach the store/);
  });

  it("explains failed orders in plain words", () => {
    expect(failureMessage("sold_out")).toMatch(/^Sold out/);
    expect(failureMessage("sale_ended")).toMatch(/sale ended/);
    expect(failureMessage("allocation_failed")).toMatch(/couldn.t process your order/);
    expect(failureMessage(null)).toMatch(/couldn't fill/);
  });

  it("explains a database restart in plain words, not the server's text", () => {
    const text = errorMessage(new ApiError(503, "unavailable", "The service is briefly unavailable. Please try again in a moment."));
    expect(text).toMatch(/briefly unavailable/);
    expect(text).not.toMatch(/service/);
  });

  it("offers Try again for network failures and server errors, not for final answers", () => {
    expect(isRetryable(new NetworkError())).toBe(true);
    expect(isRetryable(new ApiError(500, "internal_error", ""))).toBe(true);
    expect(isRetryable(new ApiError(410, "sold_out", ""))).toBe(false);
    expect(isRetryable(new ApiError(409, "sale_ended", ""))).toBe(false);
  });
});
