import { ApiError, NetworkError } from "./api";

/** What a shopper is told when the store no longer knows their session (it expired, or was signed out elsewhere). */
export const expiredMessage = "Your sign-in has expired. Sign in again to continue.";

// Every answer of the API in words a shopper understands. The server's own message is the fallback
// for a code this table does not know yet.
const byCode: Record<string, string> = {
  invalid_json: "Your browser sent something the store couldn't read. Reload the page and try again.",
  invalid_request: "Your browser sent something the store couldn't read. Reload the page and try again.",
  unauthenticated: expiredMessage,
  sale_not_found: "This sale doesn't exist any more.",
  order_not_found: "We couldn't find this order. It may belong to another account.",
  sale_not_started: "The sale hasn't opened yet.",
  sale_ended: "This sale has ended. No more orders are being taken.",
  sold_out: "Sold out — every unit has been claimed.",
  payload_too_large: "That request was too large for the store to accept. Reload the page and try again.",
  rate_limited: "You're trying a little too fast.",
  busy: "So many shoppers right now that the store is catching up.",
  unavailable: "The store is briefly unavailable and will be back in a moment.",
  internal_error: "Something went wrong on our side. Please try again.",
};

export function errorMessage(err: unknown): string {
  if (err instanceof NetworkError) return err.message;
  if (err instanceof ApiError) return byCode[err.code] ?? err.message;
  return "Something went wrong. Please try again.";
}

/**
 * A 410 while the stock bar still shows units: every unit left is held by an order in line ahead, and
 * one may yet come back (an order that fails, a cancellation), so the shopper can try again.
 */
export const claimedAheadMessage = "Every unit left is held for shoppers ahead of you in line. If one comes back, you can still get it.";

/** Failure reasons of an order, in plain words. */
const failureReasons: Record<string, string> = {
  sold_out: "Sold out — every unit went to shoppers ahead of you in line.",
  sale_ended: "The sale ended before your order could be filled.",
  allocation_failed: "We couldn't process your order, so no unit was set aside for you.",
};

export function failureMessage(reason: string | null): string {
  return failureReasons[reason ?? ""] ?? "We couldn't fill your order.";
}

/** Errors a second attempt can fix, so the shopper gets a Retry button. */
export function isRetryable(err: unknown): boolean {
  return err instanceof NetworkError || (err instanceof ApiError && (err.status >= 500 || err.code === "rate_limited"));
}
