import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { listAdminSales } from "@/db/admin-sales";
import { isUuid } from "@/db/ids";
import { requireAdminPage } from "@/app/_lib/admin-session";
import { pageData } from "@/app/_lib/page-data";
import { SalesList } from "@/components/admin/SalesList";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sales · Admin · Flash sale" };

export default async function AdminSalesPage({ searchParams }: { searchParams: Promise<{ before?: string | string[] }> }) {
  await requireAdminPage("/admin");
  // `?before=<sale id>`: the page of sales after that one (the list's "Older sales" link); anything else
  // (not an id, or no sale's), the newest, at its own address.
  const { before: asked } = await searchParams;
  const before = typeof asked === "string" && isUuid(asked) ? asked.toLowerCase() : undefined;
  if (asked !== undefined && !before) redirect("/admin");
  const page = await pageData(listAdminSales({ before }), "/admin");
  if (!page) redirect("/admin");
  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between">
        <h1 className="text-2xl font-bold">Sales</h1>
        <Link href="/admin/sales/new" className="rounded-md bg-amber-500 px-4 py-2 font-semibold text-zinc-950 hover:bg-amber-400">
          New sale
        </Link>
      </div>
      <SalesList initialPage={page} before={before} />
    </div>
  );
}
