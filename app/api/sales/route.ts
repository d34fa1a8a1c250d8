import { listSales } from "@/db/sales";
import { otherMethods, route } from "@/app/_lib/http";

export const dynamic = "force-dynamic";

export const GET = route(async () => {
  return Response.json({ sales: await listSales() }, { headers: { "cache-control": "no-store" } });
});

export const { DELETE, OPTIONS, PATCH, POST, PUT } = otherMethods(["GET"]);
