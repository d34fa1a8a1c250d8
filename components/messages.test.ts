import { describe, expect, it } from "vitest";
import { ApiError, NetworkError } from "./api";
import { errorMessage, failureMessage, isRetryable } from "./messages";

// Every error code of the contract's order, session and order-status endpoints, and the 503 every route
// answers while the database restarts, with what the shopper's sentence must tell them.
const contractCodes: Record<string, RegExp> = {
  invalid_json: /couldn't read.*Reload the page/,
  invalid_request: /couldn't read.*Reload the page/,
  unauthenticated: /sign-in has expired.*Sign in again/,
  sale_not_found: /sale doesn't exist/,
  order_not_found: /couldn't find this order/,
  sale_not_started: /hasn't opened yet/,
  sale_ended: /sale has ended/,
  sold_out: /^Sold out/,
  payload_too_large: /too large/,
  rate_limited: /a little too fast/,
  busy: /So many shoppers/,
  unavailable: /briefly unavailable/,
  internal_error: /went wrong on our side/,
};

describe("messages", () => {
  it("gives every answer of the contract a sentence of its own that says what happened, not the server's text", () => {
    for (const [code, says] of Object.entries(contractCodes)) {
      const text = errorMessage(new ApiError(400, code, "SERVER TEXT"));
      expect(text, code).not.toContain("SERVER TEXT");
      expect(text, code).toMatch(/^[A-Z].*[.!]$/);
      expect(text, code).toMatch(says);
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
