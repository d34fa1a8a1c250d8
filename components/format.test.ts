import { afterEach, describe, expect, it, vi } from "vitest";
import { everyInterval, formatCount, formatPrice, percentOff, sellThroughPercent, stockWords } from "./format";

/**
 * Numbers formatted in this process as a browser set to German formats them when no locale is named
 * ("1.000.000"). The machine running the tests is most likely set to English, whose default grouping
 * is en-US's, so a count formatted in the browser's own locale would pass unnoticed.
 */
function asInAGermanBrowser() {
  const toLocaleString = Number.prototype.toLocaleString;
  vi.spyOn(Number.prototype, "toLocaleString").mockImplementation(function (this: number, locales?: Intl.LocalesArgument, options?: Intl.NumberFormatOptions) {
    return toLocaleString.call(this, locales ?? "de-DE", options);
  });
  const NumberFormat = Intl.NumberFormat;
  vi.spyOn(Intl, "NumberFormat").mockImplementation(function (locales?: Intl.LocalesArgument, options?: Intl.NumberFormatOptions) {
    return new NumberFormat(locales ?? "de-DE", options);
  } as typeof Intl.NumberFormat);
  expect([(1_000_000).toLocaleString(), new Intl.NumberFormat().format(1_000_000)]).toEqual(["1.000.000", "1.000.000"]);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("counts a shopper reads", () => {
  it("group their digits as the prices beside them do", () => {
    asInAGermanBrowser();
    expect(formatPrice(100_000_000)).toBe("$1,000,000.00");
    expect(formatCount(1_000_000)).toBe("1,000,000");
    expect(formatCount(999)).toBe("999");
  });

  it("read the same way on the stock bar, while the sale runs and once it has ended", () => {
    asInAGermanBrowser();
    expect(stockWords(999_998, 1_000_000, false)).toBe("999,998 of 1,000,000 left");
    expect(stockWords(0, 1_000_000, false)).toBe("None left");
    expect(stockWords(2_500, 10_000, true)).toBe("7,500 of 10,000 sold");
    expect(stockWords(0, 10_000, true)).toBe("All 10,000 sold");
  });
});

describe("a view's refresh interval in words", () => {
  it("names the interval its refetchInterval sets", () => {
    expect(everyInterval(1000)).toBe("every second");
    expect(everyInterval(2000)).toBe("every 2 seconds");
    expect(everyInterval(5000)).toBe("every 5 seconds");
    expect(everyInterval(1500)).toBe("every 1.5 seconds");
  });
});

describe("a sale's sell-through", () => {
  it("reads 100% only once every unit is sold", () => {
    expect(sellThroughPercent(995, 1000)).toBe(99);
    expect(sellThroughPercent(9_999, 10_000)).toBe(99);
    expect(sellThroughPercent(1000, 1000)).toBe(100);
    expect(sellThroughPercent(4, 5)).toBe(80);
    expect(sellThroughPercent(0, 0)).toBe(0);
  });
});

describe("percentOff", () => {
  it("rounds the saving to a whole percent, never to 100 while the price is above $0, and is 0 with no discount", () => {
    expect(percentOff(1900, 3800)).toBe(50);
    expect(percentOff(2000, 3000)).toBe(33);
    expect(percentOff(1000, 3000)).toBe(67);
    expect(percentOff(1, 100_000_000)).toBe(99);
    expect(percentOff(9960, 10_000)).toBe(0);
    expect(percentOff(5000, 5000)).toBe(0);
  });
});
