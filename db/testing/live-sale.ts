import { createSale, type NewSale } from "@/db/sales";

const HOUR = 3600_000;

/** A sale on now (started an hour ago, ending in an hour): what most tests need, `overrides` aside. */
export function liveSale(overrides: Partial<NewSale> = {}) {
  return createSale({
    name: "Test product",
    priceCents: 1000,
    originalPriceCents: 2000,
    stock: 10,
    startsAt: new Date(Date.now() - HOUR),
    endsAt: new Date(Date.now() + HOUR),
    ...overrides,
  });
}
