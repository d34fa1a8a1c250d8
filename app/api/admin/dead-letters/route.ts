import { z } from "zod";
import { listDeadLetters } from "@/db/dead-letters";
import { adminRoute } from "@/app/_lib/admin-session";
import { otherMethods, readQuery } from "@/app/_lib/http";

export const dynamic = "force-dynamic";

const querySchema = z.object({ saleId: z.uuid("must be a sale id").transform((id) => id.toLowerCase()).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();

/** Dead letters of every queue, newest first; ?saleId= keeps those about one sale. */
export const GET = adminRoute(async (req: Request) => {
  const query = readQuery(req, querySchema);
  return Response.json(await listDeadLetters(query), { headers: { "cache-control": "no-store" } });
});

export const { DELETE, OPTIONS, PATCH, POST, PUT } = otherMethods(["GET"], adminRoute);
