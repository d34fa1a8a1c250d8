import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { toAdminSale } from "@/db/admin-sales";
import { getSale } from "@/db/sales";
import { requireAdminPage } from "@/app/_lib/admin-session";
import { pageData } from "@/app/_lib/page-data";
import { LiveSale } from "@/components/admin/LiveSale";
import { OrdersTable } from "@/components/admin/OrdersTable";
import { SaleForm } from "@/components/admin/SaleForm";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sale · Admin · Flash sale" };

export default async function AdminSalePage({ params }: PageProps<"/admin/sales/[id]">) {
  const { id } = await params;
  await requireAdminPage(`/admin/sales/${id}`);
  const row = await pageData(getSale({ id }), `/admin/sales/${id}`);
  if (!row) notFound();
  const sale = toAdminSale(row);
  return (
    <div className="space-y-8">
      <LiveSale initialSale={sale} />
      <section aria-labelledby="orders-heading" className="space-y-3">
        <h2 id="orders-heading" className="text-lg font-semibold">
          Orders
        </h2>
        <OrdersTable saleId={sale.id} />
      </section>
      <details className="rounded-xl border border-zinc-200 p-4 dark:border-zinc-800">
        <summary className="cursor-pointer font-semibold">Edit this sale</summary>
        <div className="mt-4">
          <SaleForm sale={sale} />
        </div>
      </details>
    </div>
  );
}
