import { endAllAdminSessions } from "@/db/admin-sessions";
import { log } from "@/db/log";
import { adminRoute, clearedAdminCookie } from "@/app/_lib/admin-session";
import { otherMethods } from "@/app/_lib/http";

/**
 * Signs every admin out, this browser included: for a cookie that may have been copied (a shared
 * computer, a laptop lost). Every admin, here and elsewhere, signs in again with the password.
 */
export const DELETE = adminRoute(async (req: Request) => {
  const ended = await endAllAdminSessions();
  log.warn({ ended }, "every admin session ended");
  return new Response(null, { status: 204, headers: { "set-cookie": clearedAdminCookie(req) } });
});

export const { GET, OPTIONS, PATCH, POST, PUT } = otherMethods(["DELETE"], adminRoute);
