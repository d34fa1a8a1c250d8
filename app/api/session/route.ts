import { z } from "zod";
import { AppError } from "@/db/errors";
import { getUserById, upsertUserByEmail } from "@/db/users";
import { describeIssues, otherMethods, readJsonObject, route } from "@/app/_lib/http";
import { limitShopperLogin } from "@/app/_lib/rate-limit";
import { clearedSessionCookie, requireShopper, sessionCookie } from "@/app/_lib/session";
import { plainIssue } from "@/db/plain-issues";

// Spaces around the address (pasted with it) are not part of it.
const signInSchema = z.object({ email: z.string().trim().pipe(z.email("must be an email address").max(254)) }).strict();

/** Sign in (or up) by email. */
export const POST = route(async (req: Request) => {
  await limitShopperLogin(req);
  const parsed = signInSchema.safeParse(await readJsonObject(req), { error: plainIssue });
  if (!parsed.success) throw new AppError("invalid_request", describeIssues(parsed.error.issues));
  const user = await upsertUserByEmail({ email: parsed.data.email });
  return Response.json(
    { user: { id: user.id, email: user.email } },
    { headers: { "set-cookie": sessionCookie(req, user.id), "cache-control": "no-store" } },
  );
});

export const GET = route(async (req: Request) => {
  const user = await getUserById({ id: requireShopper(req) });
  if (!user) throw new AppError("unauthenticated", "Sign in with your email first.");
  return Response.json({ user: { id: user.id, email: user.email } }, { headers: { "cache-control": "no-store" } });
});

export const DELETE = route(async (req: Request) => {
  return new Response(null, { status: 204, headers: { "set-cookie": clearedSessionCookie(req) } });
});

export const { OPTIONS, PATCH, PUT } = otherMethods(["GET", "POST", "DELETE"]);
