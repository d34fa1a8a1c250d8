import { otherMethods, route } from "@/app/_lib/http";

export const dynamic = "force-dynamic";

/**
 * The server's clock in milliseconds. Countdowns in the browser measure their offset from this
 * (corrected by half the round trip) instead of trusting the shopper's clock.
 */
export const GET = route(async () => {
  return Response.json({ now: Date.now() }, { headers: { "cache-control": "no-store" } });
});

export const { DELETE, OPTIONS, PATCH, POST, PUT } = otherMethods(["GET"]);
