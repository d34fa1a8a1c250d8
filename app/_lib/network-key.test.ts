import { describe, expect, it } from "vitest";
import { networkKey } from "./rate-limit";

describe("networkKey: what a client's limits are counted under", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
    ["::FFFF:203.0.113.7", "203.0.113.7"],
    ["0:0:0:0:0:ffff:203.0.113.7", "203.0.113.7"],
    ["::ffff:cb00:7107", "203.0.113.7"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002::9", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["1::2:3:4:5:192.0.2.1", "1:0:2:3::/64"],
    ["64:ff9b::192.0.2.1", "64:ff9b:0:0::/64"],
    ["not an address", "not an address"],
  ])("%s → %s", (ip, key) => {
    expect(networkKey(ip)).toBe(key);
  });

  it("gives every address of one /64 the same key, and the next /64 another", () => {
    expect(new Set(["2001:db8:5:6::1", "2001:db8:5:6:ffff:ffff:ffff:ffff", "2001:db8:5:6:a::"].map(networkKey)).size).toBe(1);
    expect(networkKey("2001:db8:5:7::1")).not.toBe(networkKey("2001:db8:5:6::1"));
  });
});
