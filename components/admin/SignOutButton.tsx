"use client";

import { useRouter } from "next/navigation";
import { adminApi } from "./api";

export function SignOutButton() {
  const router = useRouter();
  const signOut = async () => {
    await adminApi("/api/admin/session", { method: "DELETE" });
    router.replace("/admin/login");
  };
  return (
    <button type="button" onClick={() => void signOut()} className="rounded-md border border-zinc-300 px-3 py-1 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-900">
      Sign out
    </button>
  );
}
