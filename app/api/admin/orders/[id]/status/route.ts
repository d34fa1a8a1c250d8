import { z } from "zod";
import { requestOrderStatusChange } from "@/db/admin-orders";
import { AppError } from "@/db/errors";
import { isUuid } from "@/db/ids";
import { ADMIN_STATUSES } from "@/jobs/queues";
import { adminRoute } from "@/app/_lib/admin-session";
import { describeIssues, otherMethods, readJsonObject } from "@/app/_lib/http";
import { plainIssue } from "@/db/plain-issues";

const bodySchema = z.object({ status: z.enum(ADMIN_STATUSES, { error: 'must be "shipped" or "cancelled"' }) }).strict();

/**
 * Change an order's status through the queue: 202 once the job is durable. The worker applies it;
 * an unknown order or an illegal move is retried with backoff and then lands in the dead letters.
 */
export const PUT = adminRoute(async (req: Request, ctx: RouteContext<"/api/admin/orders/[id]/status">) => {
  const parsed = bodySchema.safeParse(await readJsonObject(req), { error: plainIssue });
  if (!parsed.success) throw new AppError("invalid_request", describeIssues(parsed.error.issues));
  const { id } = await ctx.params;
  if (!isUuid(id)) throw new AppError("invalid_request", "The order id must be a UUID.");
  const orderId = id.toLowerCase();
  const { jobId } = await requestOrderStatusChange({ orderId, status: parsed.data.status });
  return Response.json({ orderId, status: parsed.data.status, jobId }, { status: 202, headers: { "cache-control": "no-store" } });
});

export const { DELETE, GET, OPTIONS, PATCH, POST } = otherMethods(["PUT"], adminRoute);
