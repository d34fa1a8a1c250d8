"use client";

import Link from "next/link";
import { useSession, useSessionSync, useSignOut } from "./session";

/** The header's right side: the shopper's orders, and who is signed in. */
export function AccountMenu() {
  // The header is on every page: it keeps the tab on the shopper the cookie names.
  useSessionSync();
  const session = useSession();
  const signOut = useSignOut();
  return (
    <div className="flex min-w-0 items-center gap-4 text-sm">
      <Link href="/orders" className="font-medium underline-offset-2 hover:underline">
        My orders
      </Link>
      {session.data && (
        <>
          <span className="hidden max-w-48 truncate text-zinc-600 sm:inline dark:text-zinc-400" title={session.data.email}>
            {session.data.email}
          </span>
          <button type="button" onClick={() => signOut.mutate()} className="font-medium underline-offset-2 hover:underline">
            Sign out
          </button>
        </>
      )}
    </div>
  );
}
