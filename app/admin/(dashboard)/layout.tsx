import Link from "next/link";
import type { ReactNode } from "react";
import { SignOutButton } from "@/components/admin/SignOutButton";

// Navigation only: each admin page checks the session itself (a layout is not re-run on every
// navigation, so it cannot be the gate).
export default function AdminLayout({ children }: { children: ReactNode }) {
  return (
    <div className="space-y-6">
      <nav aria-label="Admin" className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-zinc-200 pb-3 text-sm dark:border-zinc-800">
        <span className="font-semibold">Admin</span>
        <Link href="/admin" className="whitespace-nowrap hover:underline">
          Sales
        </Link>
        <Link href="/admin/dead-letters" className="whitespace-nowrap hover:underline">
          Dead letters
        </Link>
        <span className="flex-1" />
        <SignOutButton />
      </nav>
      {children}
    </div>
  );
}
