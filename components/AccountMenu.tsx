"use client";

import Link from "next/link";
import { useRef } from "react";
import { errorMessage } from "./messages";
import { useSession, useSessionSync, useSignOut, useSignOutFailure } from "./session";

/** The header's right side: the shopper's orders, and who is signed in. */
export function AccountMenu() {
  // The header is on every page: it keeps the tab on the shopper the cookie names.
  useSessionSync();
  const session = useSession();
  const signOut = useSignOut();
  const signOutFailure = useSignOutFailure();
  const ordersLink = useRef<HTMLAnchorElement>(null);
  // The button goes away the moment it is pressed (signed out on screen at once): focus moves to the
  // link beside it first, so a keyboard user carries on from the header rather than from the page's top.
  const pressSignOut = () => {
    ordersLink.current?.focus();
    signOut.mutate();
  };
  return (
    <div className="flex min-w-0 items-center gap-4 text-sm">
      <Link ref={ordersLink} href="/orders" className="font-medium underline-offset-2 hover:underline">
        My orders
      </Link>
      {session.data && (
        <>
          <span className="hidden max-w-48 truncate text-zinc-600 sm:inline dark:text-zinc-400" title={session.data.email}>
            {session.data.email}
          </span>
          <button type="button" onClick={pressSignOut} className="font-medium underline-offset-2 hover:underline">
            Sign out
          </button>
        </>
      )}
      {session.data && signOutFailure && (
        // Over the page's foot rather than in the header's one line, which a phone has no room in.
        <p
          role="alert"
          data-testid="sign-out-failed"
          className="fixed inset-x-4 bottom-4 z-50 mx-auto max-w-md rounded-lg border border-red-300 bg-red-50 p-3 text-red-800 shadow-lg dark:border-red-800 dark:bg-red-950 dark:text-red-200"
        >
          Not signed out: {errorMessage(signOutFailure)} You are still signed in as {session.data.email}.
        </p>
      )}
    </div>
  );
}
