import { z } from "zod";
import { AppError } from "@/db/errors";
import { log } from "@/db/log";
import { adminCookie, endAdminSessionCookie, isAdmin, isAdminPassword } from "@/app/_lib/admin-session";
import { describeIssues, otherMethods, readJsonObject, route } from "@/app/_lib/http";
import { clientKey, forgiveLoginAttempt, spendLoginAttempt, type LoginAttempt } from "@/app/_lib/login-limiter";
import { plainIssue } from "@/db/plain-issues";

const signInSchema = z.object({ password: z.string().min(1, "is required").max(200) }).strict();

/** Admin sign-in: the password, compared in constant time, with attempts limited. */
export const POST = route(async (req: Request) => {
  const parsed = signInSchema.safeParse(await readJsonObject(req), { error: plainIssue });
  if (!parsed.success) throw new AppError("invalid_request", describeIssues(parsed.error.issues));
  const client = clientKey(req);
  let attempt: LoginAttempt;
  try {
    attempt = await spendLoginAttempt(client);
  } catch (err) {
    log.warn({ client }, "admin sign-in refused: too many attempts");
    throw err;
  }
  if (!isAdminPassword(parsed.data.password)) {
    log.warn({ client }, "admin sign-in with a wrong password");
    throw new AppError("unauthenticated", "That password is not right.");
  }
  await forgiveLoginAttempt(attempt);
  const cookie = await adminCookie(req);
  log.info({ client }, "admin signed in");
  return Response.json({ admin: true }, { headers: { "set-cookie": cookie, "cache-control": "no-store" } });
});

export const GET = route(async (req: Request) => {
  if (!(await isAdmin(req))) throw new AppError("unauthenticated", "Sign in as the admin first.");
  return Response.json({ admin: true }, { headers: { "cache-control": "no-store" } });
});

/** Sign out: the session ends on the server, so a copy of its cookie stops working too. */
export const DELETE = route(async (req: Request) => {
  return new Response(null, { status: 204, headers: { "set-cookie": await endAdminSessionCookie(req) } });
});

export const { OPTIONS, PATCH, PUT } = otherMethods(["GET", "POST", "DELETE"]);
