import { DeadlineExceeded, REQUEST_DEADLINE_MS, withDeadline } from "@/db/deadline";
import { log } from "@/db/log";

/**
 * A server-rendered page's database read, under the same deadline as every API route: a database
 * that stopped answering gets the page its error view (app/error.tsx) after 8 s, not a wait without
 * end, and the operator a warning naming the page.
 */
export async function pageData<T>(work: Promise<T>, path: string): Promise<T> {
  try {
    return await withDeadline(work);
  } catch (err) {
    if (err instanceof DeadlineExceeded) log.warn({ path }, `no answer from the database within ${REQUEST_DEADLINE_MS / 1000} s`);
    throw err;
  }
}
