import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { route } from "@/app/_lib/http";

export const dynamic = "force-dynamic";

/** 200 when Postgres answers and the queue's schema is in place; 503 otherwise. */
export const GET = route(async () => {
  try {
    await getDb().execute(sql`SELECT 1 FROM pgboss.version LIMIT 1`);
    return Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } });
  } catch {
    return Response.json(
      { error: { code: "unavailable", message: "The database or the queue is not answering." } },
      { status: 503, headers: { "cache-control": "no-store", "retry-after": "2" } },
    );
  }
});
