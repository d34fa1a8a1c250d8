import { describe, expect, it } from "vitest";
import { newIdempotencyKey } from "./useBuy";

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("newIdempotencyKey", () => {
  it("uses crypto.randomUUID where the browser has it", () => {
    expect(newIdempotencyKey({ randomUUID: () => "from-random-uuid", getRandomValues: crypto.getRandomValues.bind(crypto) })).toBe("from-random-uuid");
  });

  it("builds a v4 UUID from getRandomValues on a page without randomUUID (plain HTTP)", () => {
    const source = { getRandomValues: crypto.getRandomValues.bind(crypto) };
    const keys = new Set(Array.from({ length: 1000 }, () => newIdempotencyKey(source)));
    expect(keys.size).toBe(1000);
    for (const key of keys) expect(key).toMatch(uuidV4);
  });

  it("sets the version and variant bits whatever the random bytes", () => {
    const allOnes = { getRandomValues: <T extends ArrayBufferView | null>(array: T) => (new Uint8Array(array!.buffer).fill(0xff), array) };
    expect(newIdempotencyKey(allOnes)).toBe("ffffffff-ffff-4fff-bfff-ffffffffffff");
    const allZeros = { getRandomValues: <T extends ArrayBufferView | null>(array: T) => array };
    expect(newIdempotencyKey(allZeros)).toBe("00000000-0000-4000-8000-000000000000");
  });
});
