import { AppError } from "@/db/errors";
import { getSaleCached, toSale } from "@/db/sales";
import { otherMethods, route } from "@/app/_lib/http";

/**
 * A sale, as every open sale page polls it (every 1.5 s while it is live): read through the same
 * per-process cache as a Buy, so thousands of pages waiting on one sale cost the database one read a
 * second per web process, and a page shows the stock the Buy button is judged against. Nothing in it
 * is personal, so a shared cache in front (a CDN, a reverse proxy) may keep it for a second too and
 * answer the polls itself; browsers ask again each time.
 */
export const GET = route(async (_req: Request, ctx: RouteContext<"/api/sales/[id]">) => {
  const { id } = await ctx.params;
  const row = await getSaleCached({ id });
  if (!row) throw new AppError("sale_not_found", "There is no sale with this id.");
  return Response.json({ sale: toSale(row) }, { headers: { "cache-control": "public, max-age=0, s-maxage=1" } });
});

export const { DELETE, OPTIONS, PATCH, POST, PUT } = otherMethods(["GET"]);
