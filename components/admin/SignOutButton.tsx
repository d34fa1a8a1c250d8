"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useIsClient } from "@/components/LocalTime";
import { errorMessage } from "@/components/messages";
import { adminApi } from "./api";
import { useConfirmFocus } from "./useConfirmFocus";

const plain = "rounded-md border border-zinc-300 px-3 py-1 hover:bg-zinc-100 disabled:opacity-60 aria-disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-900";

/**
 * Sign out: this session ends on the server (a copy of the cookie stops working too). Sign out
 * everywhere (asks first) ends every admin session, for a cookie that may have been copied.
 */
export function SignOutButton() {
  const router = useRouter();
  // Disabled until the page's scripts have run: a click before would be lost without a word. While a
  // sign-out is on its way, aria-disabled (a press does nothing): a disabled button would drop keyboard
  // focus to the page, and a failed sign-out leaves the admin where they were, told why.
  const isClient = useIsClient();
  const [isAsking, setAsking] = useState(false);
  const { confirmRef, triggerRef } = useConfirmFocus(isAsking ? "everywhere" : null);
  const signOut = useMutation({
    mutationFn: (where: "here" | "everywhere") => adminApi(where === "here" ? "/api/admin/session" : "/api/admin/sessions", { method: "DELETE" }),
    onSuccess: () => router.replace("/admin/login"),
    onSettled: () => setAsking(false),
  });
  const send = (where: "here" | "everywhere") => !signOut.isPending && signOut.mutate(where);
  return (
    <span className="flex flex-wrap items-center gap-3">
      {signOut.isError && (
        <span role="alert" className="text-red-700 dark:text-red-400">
          Not signed out: {errorMessage(signOut.error)}
        </span>
      )}
      {isAsking ? (
        <span className="flex items-center gap-2" onKeyDown={(e) => e.key === "Escape" && setAsking(false)}>
          <span>Sign out every admin, on every device?</span>
          <button ref={confirmRef} type="button" onClick={() => send("everywhere")} aria-disabled={signOut.isPending} className="rounded-md bg-red-600 px-3 py-1 font-semibold text-white aria-disabled:opacity-60">
            Yes, sign out everywhere
          </button>
          <button type="button" onClick={() => setAsking(false)} className={plain}>
            Keep
          </button>
        </span>
      ) : (
        <button ref={triggerRef("everywhere")} type="button" onClick={() => !signOut.isPending && setAsking(true)} disabled={!isClient} aria-disabled={signOut.isPending} className={plain}>
          Sign out everywhere
        </button>
      )}
      <button type="button" onClick={() => send("here")} disabled={!isClient} aria-disabled={signOut.isPending} className={plain}>
        {signOut.isPending && signOut.variables === "here" ? "Signing out…" : "Sign out"}
      </button>
    </span>
  );
}
