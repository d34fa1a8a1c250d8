"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { errorMessage } from "@/components/messages";
import { adminApi } from "./api";

/** Signs the admin out on the server (a copy of the cookie stops working too), then to the sign-in. */
export function SignOutButton() {
  const router = useRouter();
  const signOut = useMutation({
    mutationFn: () => adminApi("/api/admin/session", { method: "DELETE" }),
    onSuccess: () => router.replace("/admin/login"),
  });
  return (
    <span className="flex items-center gap-3">
      {signOut.isError && (
        <span role="alert" className="text-red-700 dark:text-red-400">
          Not signed out: {errorMessage(signOut.error)}
        </span>
      )}
      <button
        type="button"
        onClick={() => signOut.mutate()}
        disabled={signOut.isPending}
        className="rounded-md border border-zinc-300 px-3 py-1 hover:bg-zinc-100 disabled:opacity-60 dark:border-zinc-700 dark:hover:bg-zinc-900"
      >
        {signOut.isPending ? "Signing out…" : "Sign out"}
      </button>
    </span>
  );
}
