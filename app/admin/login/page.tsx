import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LoginForm } from "@/components/admin/LoginForm";
import { hasAdminSession } from "@/app/_lib/admin-session";

export const metadata: Metadata = { title: "Admin sign-in · Flash sale" };

/** Only admin pages are followed after sign-in: never another site, and never the sign-in itself. */
function safeNext(value: string | string[] | undefined): string {
  const next = Array.isArray(value) ? value[0] : value;
  const isAdminPage = !!next && /^\/admin(\/|$|\?)/.test(next) && !next.startsWith("//");
  return isAdminPage && !/^\/admin\/login(\/|$|\?)/.test(next) ? next : "/admin";
}

export default async function AdminLoginPage({ searchParams }: PageProps<"/admin/login">) {
  const next = safeNext((await searchParams).next);
  // Already signed in: straight on to where the admin was going.
  if (await hasAdminSession("/admin/login")) redirect(next);
  return <LoginForm next={next} />;
}
