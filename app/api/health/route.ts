import { checkHealth } from "@/db/health";
import { otherMethods, route } from "@/app/_lib/http";

export const dynamic = "force-dynamic";

/** 200 when Postgres and the queue answer; 503 otherwise, or while this process is shutting down. */
export const GET = route(async () => {
  const problem = await checkHealth();
  if (!problem) return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
  return Response.json(
    { error: { code: "unavailable", message: problem } },
    { status: 503, headers: { "cache-control": "no-store", "retry-after": "2" } },
  );
});

export const { DELETE, OPTIONS, PATCH, POST, PUT } = otherMethods(["GET"]);
