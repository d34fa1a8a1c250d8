import { z } from "zod";
import { AppError } from "@/db/errors";
import { listOrdersForUser } from "@/db/orders";
import { describeIssues, otherMethods, route } from "@/app/_lib/http";
import { requireShopper } from "@/app/_lib/session";

const querySchema = z.object({ saleId: z.uuid("must be a sale id").optional() }).strict();

/** The signed-in shopper's orders, newest first; `?saleId=` narrows it to one sale. */
export const GET = route(async (req: Request) => {
  const userId = requireShopper(req);
  const params = Object.fromEntries([...new URL(req.url).searchParams].filter(([, value]) => value !== ""));
  const parsed = querySchema.safeParse(params);
  if (!parsed.success) throw new AppError("invalid_request", describeIssues(parsed.error.issues));
  const orders = await listOrdersForUser({ userId, saleId: parsed.data.saleId });
  return Response.json({ orders }, { headers: { "cache-control": "no-store" } });
});

export const { DELETE, PATCH, POST, PUT } = otherMethods(["GET"]);
