import { retryDeadLetter } from "@/db/dead-letters";
import { adminRoute } from "@/app/_lib/admin-session";
import { otherMethods, readJsonObject } from "@/app/_lib/http";

/** Send a dead letter back to the queue it failed on, with fresh retries: 202, the worker takes it from there. */
export const POST = adminRoute(async (req: Request, ctx: RouteContext<"/api/admin/dead-letters/[id]/retry">) => {
  await readJsonObject(req, { allowEmpty: true });
  const { id } = await ctx.params;
  const { queue } = await retryDeadLetter({ id });
  return Response.json({ id, queue }, { status: 202, headers: { "cache-control": "no-store" } });
});

export const { DELETE, GET, OPTIONS, PATCH, PUT } = otherMethods(["POST"], adminRoute);
