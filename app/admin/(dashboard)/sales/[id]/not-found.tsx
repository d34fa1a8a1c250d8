import Link from "next/link";

/** An admin link to a sale the database does not have: said in the dashboard, with the way back to its list. */
export default function AdminSaleNotFound() {
  return (
    <div className="mx-auto max-w-md rounded-2xl border border-zinc-200 bg-white p-8 text-center dark:border-zinc-800 dark:bg-zinc-900">
      <h1 className="text-2xl font-bold">This sale doesn&apos;t exist</h1>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">The link may be mistyped, or it names a sale of another database.</p>
      <Link href="/admin" className="mt-6 inline-block rounded-lg bg-zinc-900 px-5 py-3 font-semibold text-white hover:bg-zinc-700 dark:bg-zinc-100 dark:text-zinc-900">
        All sales
      </Link>
    </div>
  );
}
