import { describe, expect, it } from "vitest";
import { localUrl, shownUrl } from "./urls";

// Every URL here is one a browser or fetch accepts, for each kind of HOST an operator may set.

describe("the web server's URLs", () => {
  it("reaches a server on every interface through loopback, and shows it as localhost", () => {
    expect(localUrl("0.0.0.0", 3000)).toBe("http://127.0.0.1:3000");
    expect(localUrl("::", 3000)).toBe("http://[::1]:3000");
    expect(shownUrl("0.0.0.0", 3000)).toBe("http://localhost:3000");
    expect(shownUrl("::", 3000)).toBe("http://localhost:3000");
  });

  it("puts an IPv6 address in brackets", () => {
    expect(localUrl("::1", 3000)).toBe("http://[::1]:3000");
    expect(shownUrl("::1", 3000)).toBe("http://[::1]:3000");
    expect(shownUrl("fe80::1", 8080)).toBe("http://[fe80::1]:8080");
    expect(new URL(`${shownUrl("::1", 3000)}/admin`).port).toBe("3000");
  });

  it("shows a name or an IPv4 address as it is", () => {
    expect(shownUrl("127.0.0.1", 3000)).toBe("http://127.0.0.1:3000");
    expect(shownUrl("shop.internal", 80)).toBe("http://shop.internal:80");
    expect(localUrl("127.0.0.1", 3000)).toBe("http://127.0.0.1:3000");
  });
});
