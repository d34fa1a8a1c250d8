import { describe, expect, it } from "vitest";
import { formatCount, stockWords } from "./format";

describe("counts a shopper reads", () => {
  it("group their digits as the prices beside them do", () => {
    expect(formatCount(1_000_000)).toBe("1,000,000");
    expect(formatCount(999)).toBe("999");
  });

  it("read the same way on the stock bar, while the sale runs and once it has ended", () => {
    expect(stockWords(999_998, 1_000_000, false)).toBe("999,998 of 1,000,000 left");
    expect(stockWords(0, 1_000_000, false)).toBe("None left");
    expect(stockWords(2_500, 10_000, true)).toBe("7,500 of 10,000 sold");
    expect(stockWords(0, 10_000, true)).toBe("All 10,000 sold");
  });
});
