import Link from "next/link";

/** Any address the shop has no page for: the site's own page, with the way back, not Next.js's bare 404. */
export default function PageNotFound() {
  return (
    <div className="mx-auto max-w-md rounded-2xl border border-zinc-200 bg-white p-8 text-center dark:border-zinc-800 dark:bg-zinc-900">
      <h1 className="text-2xl font-bold">There&apos;s no page here</h1>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">The link may be mistyped, or the page has moved.</p>
      <Link href="/" className="mt-6 inline-block rounded-lg bg-zinc-900 px-5 py-3 font-semibold text-white hover:bg-zinc-700 dark:bg-zinc-100 dark:text-zinc-900">
        See all sales
      </Link>
    </div>
  );
}
