"use client";

import Link from "next/link";

/**
 * What a page shows when the server could not render it: most often a database that is down,
 * restarting or not answering (each page read gives up after 8 s: app/_lib/page-data.ts). The shopper
 * can ask again without losing their place; nothing about the failure itself is shown.
 */
export default function PageError({ retry }: { error: unknown; retry: () => void }) {
  return (
    <div role="alert" className="mx-auto max-w-md rounded-2xl border border-zinc-200 bg-white p-8 text-center dark:border-zinc-800 dark:bg-zinc-900">
      <h1 className="text-2xl font-bold">This page couldn&apos;t be loaded</h1>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">The store is briefly unavailable. Please try again in a moment.</p>
      <div className="mt-6 flex justify-center gap-3">
        <button type="button" onClick={() => retry()} className="rounded-lg bg-zinc-900 px-5 py-3 font-semibold text-white hover:bg-zinc-700 dark:bg-zinc-100 dark:text-zinc-900">
          Try again
        </button>
        <Link href="/" className="rounded-lg border border-zinc-300 px-5 py-3 font-semibold hover:bg-zinc-50 dark:border-zinc-700 dark:hover:bg-zinc-800">
          All sales
        </Link>
      </div>
    </div>
  );
}
