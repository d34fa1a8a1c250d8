import { z } from "zod";
import { listDeadLetters } from "@/db/dead-letters";
import { AppError } from "@/db/errors";
import { adminRoute } from "@/app/_lib/admin-session";
import { describeIssues, otherMethods } from "@/app/_lib/http";

export const dynamic = "force-dynamic";

const querySchema = z.object({ saleId: z.uuid("must be a sale id").optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }).strict();

/** Dead letters of every queue, newest first; ?saleId= keeps those about one sale. */
export const GET = adminRoute(async (req: Request) => {
  const params = Object.fromEntries([...new URL(req.url).searchParams].filter(([, value]) => value !== ""));
  const parsed = querySchema.safeParse(params);
  if (!parsed.success) throw new AppError("invalid_request", describeIssues(parsed.error.issues));
  return Response.json(await listDeadLetters(parsed.data), { headers: { "cache-control": "no-store" } });
});

export const { DELETE, PATCH, POST, PUT } = otherMethods(["GET"], adminRoute);
