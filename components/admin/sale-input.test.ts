import { describe, expect, it } from "vitest";
import { formProblems, readCount, readPrice, type Values } from "./sale-input";

describe("readPrice", () => {
  it.each([
    ["19.99", 1999],
    ["$19.99", 1999],
    ["$ 19.99", 1999],
    ["  19.99 ", 1999],
    ["1,299.50", 129950],
    ["$1,299,000", 129900000],
    ["20", 2000],
    ["20.5", 2050],
    [".99", 99],
    ["0.10", 10],
    ["0", 0],
  ])("reads %j as %i cents", (typed, cents) => expect(readPrice(typed)).toBe(cents));

  it.each(["", "$", ".", "19.", "19.999", "abc", "-5", "1,29.50", "12,3456", "19,99", "1e3", "€19.99", "19.99$", "9".repeat(400), "9".repeat(17)])("cannot read %j", (typed) => expect(readPrice(typed)).toBeNull());
});

describe("readCount", () => {
  it.each([
    ["100", 100],
    ["1,000", 1000],
    [" 7 ", 7],
  ])("reads %j as %i", (typed, count) => expect(readCount(typed)).toBe(count));
  it.each(["", "12.5", "-3", "ten", "1,00", "9".repeat(400)])("cannot read %j", (typed) => expect(readCount(typed)).toBeNull());
});

describe("formProblems", () => {
  it("tells a number too long to read how to type it, not that the field is empty", () => {
    const long = "9".repeat(400);
    const typed: Values = { name: "x", description: "", price: long, originalPrice: "20", stock: long, startsAt: "2030-01-01T09:00", endsAt: "2030-01-01T10:00" };
    expect(formProblems(typed, ["price", "stock"])).toEqual({ price: "Enter a price like 19.99.", stock: "Stock must be a whole number, like 100." });
  });

  const values: Values = { name: "", description: "", price: "$19.99", originalPrice: "", stock: " ", startsAt: "", endsAt: "2030-01-01T10:00" };
  it("says an empty field is required and a price it cannot read how to type it; the server checks the rest", () => {
    expect(formProblems(values, ["price", "originalPrice", "stock", "startsAt", "endsAt"])).toEqual({
      originalPrice: "Original price is required.",
      stock: "Stock is required.",
      startsAt: "Start time is required.",
    });
    expect(formProblems({ ...values, startsAt: "2030-01-01T09:00", endsAt: "" }, ["startsAt", "endsAt"])).toEqual({ endsAt: "End time is required." });
    expect(formProblems({ ...values, price: "19.999", stock: "2.5" }, ["price", "stock"])).toEqual({ price: "Enter a price like 19.99.", stock: "Stock must be a whole number, like 100." });
  });

  it("tells a negative stock or price what it must be, not how to type a number", () => {
    const typed: Values = { name: "x", description: "", price: "-5", originalPrice: "$-5.00", stock: "-3", startsAt: "2030-01-01T09:00", endsAt: "2030-01-01T10:00" };
    expect(formProblems(typed, ["price", "originalPrice", "stock"])).toEqual({
      price: "Price must be more than $0.",
      originalPrice: "Original price must be more than $0.",
      stock: "Stock must be at least 1.",
    });
    expect(formProblems({ ...typed, price: "- 1,299.50", stock: " -1,000 " }, ["price", "stock"])).toEqual({ price: "Price must be more than $0.", stock: "Stock must be at least 1." });
    // A minus before what is not a number at all is still told how to type one.
    expect(formProblems({ ...typed, price: "-abc", stock: "-2.5" }, ["price", "stock"])).toEqual({ price: "Enter a price like 19.99.", stock: "Stock must be a whole number, like 100." });
  });
});

describe("a time the browser's zone skips", () => {
  it("is told as not existing, on its own field, where the browser would save it an hour later", () => {
    const zone = process.env.TZ;
    // Node reads TZ afresh on each Date: New York's clocks go from 2:00 to 3:00 on 14 March 2027.
    process.env.TZ = "America/New_York";
    try {
      const values: Values = { name: "Lamp", description: "", price: "10", originalPrice: "20", stock: "5", startsAt: "2027-03-14T02:30", endsAt: "2027-03-14T04:00" };
      expect(formProblems(values, ["startsAt", "endsAt"])).toEqual({
        startsAt: "Start time does not exist in your time zone: the clocks go forward over it. Pick a time after the change.",
      });
      expect(formProblems({ ...values, startsAt: "2027-03-14T03:30" }, ["startsAt", "endsAt"])).toEqual({});
      // The hour that comes twice (1:30 on 7 November) exists: taken as its first.
      expect(formProblems({ ...values, startsAt: "2027-11-07T01:30", endsAt: "2027-11-07T04:00" }, ["startsAt", "endsAt"])).toEqual({});
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});
