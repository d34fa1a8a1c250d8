export function formatPrice(cents: number): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(cents / 100);
}

/** A count as a shopper reads it: "1,000,000", as the prices beside it group their digits. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** How often a view refreshes, in words: "every second", "every 2 seconds", "every 1.5 seconds". */
export function everyInterval(ms: number): string {
  const seconds = ms / 1000;
  return seconds === 1 ? "every second" : `every ${seconds.toLocaleString("en-US", { maximumFractionDigits: 1 })} seconds`;
}

/** The stock bar in words: units left of the stock, or once the sale has ended, units sold. */
export function stockWords(remaining: number, stock: number, isEnded: boolean): string {
  if (isEnded) return remaining === 0 ? `All ${formatCount(stock)} sold` : `${formatCount(stock - remaining)} of ${formatCount(stock)} sold`;
  return remaining === 0 ? "None left" : `${formatCount(remaining)} of ${formatCount(stock)} left`;
}

/**
 * The share of a sale's stock sold, in whole percent, rounded down: 100 only once none is left (995 of
 * 1,000 sold is 99, where rounding read 100 beside "5 remaining").
 */
export function sellThroughPercent(sold: number, stock: number): number {
  return stock > 0 ? Math.floor((sold / stock) * 100) : 0;
}

/**
 * Whole percent saved against the original price, rounded, but at most 99 (a price is never $0): 0 when
 * there is no discount, or one under half a percent (whose original price is still shown, crossed out).
 */
export function percentOff(priceCents: number, originalPriceCents: number): number {
  if (originalPriceCents <= priceCents) return 0;
  return Math.min(99, Math.round((1 - priceCents / originalPriceCents) * 100));
}

/** The short order number a shopper can read out: the first eight characters of its id. */
export function orderNumber(orderId: string): string {
  return orderId.slice(0, 8).toUpperCase();
}

/** A date and time with its zone named ("Nov 29, 2026, 9:05 AM EST"): the browser's zone, unless `timeZone` says otherwise. */
export function formatTime(iso: string, timeZone?: string): string {
  // dateStyle/timeStyle cannot be combined with timeZoneName, hence the fields one by one.
  return new Date(iso).toLocaleString("en-US", { year: "numeric", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZone, timeZoneName: "short" });
}
