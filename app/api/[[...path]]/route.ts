import { AppError } from "@/db/errors";
import { route } from "@/app/_lib/http";

// Any other /api path, /api itself included (an optional catch-all), answers in the contract's JSON
// error shape, not with the HTML 404 page.
const notFound = route(async () => {
  throw new AppError("not_found", "There is no such API endpoint.");
});

export { notFound as DELETE, notFound as GET, notFound as OPTIONS, notFound as PATCH, notFound as POST, notFound as PUT };
