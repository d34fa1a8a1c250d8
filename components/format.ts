export function formatPrice(cents: number): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" }).format(cents / 100);
}

/** Whole percent saved against the original price; 0 when there is no discount. */
export function percentOff(priceCents: number, originalPriceCents: number): number {
  if (originalPriceCents <= priceCents) return 0;
  return Math.round((1 - priceCents / originalPriceCents) * 100);
}

/** The short order number a shopper can read out: the first eight characters of its id. */
export function orderNumber(orderId: string): string {
  return orderId.slice(0, 8).toUpperCase();
}

export function formatTime(iso: string): string {
  return new Date(iso).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" });
}
