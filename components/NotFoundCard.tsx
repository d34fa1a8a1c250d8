import Link from "next/link";

/** A page that is not there, said in the site's own look: what happened, why it may have, and the way back. */
export function NotFoundCard({ title, reason, back }: { title: string; reason: string; back: { href: string; label: string } }) {
  return (
    <div className="mx-auto max-w-md rounded-2xl border border-zinc-200 bg-white p-8 text-center dark:border-zinc-800 dark:bg-zinc-900">
      <h1 className="text-2xl font-bold">{title}</h1>
      <p className="mt-2 text-zinc-600 dark:text-zinc-400">{reason}</p>
      <Link href={back.href} className="mt-6 inline-block rounded-lg bg-zinc-900 px-5 py-3 font-semibold text-white hover:bg-zinc-700 dark:bg-zinc-100 dark:text-zinc-900">
        {back.label}
      </Link>
    </div>
  );
}
