import { timingSafeEqual } from "node:crypto";
import { config } from "@/db/config";
import { AppError } from "@/db/errors";
import { renderMetrics } from "@/db/metrics-scrape";
import { otherMethods, route } from "@/app/_lib/http";

export const dynamic = "force-dynamic";

/** Prometheus text. With METRICS_TOKEN set, only `Authorization: Bearer <token>` may read it. */
export const GET = route(async (req: Request) => {
  const token = config().METRICS_TOKEN;
  if (token && !isBearer(req.headers.get("authorization"), token)) {
    throw new AppError("unauthenticated", "Send the metrics token as Authorization: Bearer <token>.");
  }
  const { text, contentType } = await renderMetrics();
  return new Response(text, { headers: { "content-type": contentType, "cache-control": "no-store" } });
});

// The scheme's name is case-insensitive (RFC 9110, 11.1), and one or more spaces may follow it.
const BEARER = /^bearer +([^ ]+) *$/i;

function isBearer(header: string | null, token: string): boolean {
  const given = Buffer.from(BEARER.exec(header ?? "")?.[1] ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export const { DELETE, OPTIONS, PATCH, POST, PUT } = otherMethods(["GET"]);
