import { listSales } from "@/db/sales";
import { route } from "@/app/_lib/http";

export const dynamic = "force-dynamic";

export const GET = route(async () => {
  return Response.json({ sales: await listSales() }, { headers: { "cache-control": "no-store" } });
});
