import type { Metadata } from "next";
import { requireAdminPage } from "@/app/_lib/admin-session";
import { SaleForm } from "@/components/admin/SaleForm";

export const metadata: Metadata = { title: "New sale · Admin · Flash sale" };

export default async function NewSalePage() {
  await requireAdminPage("/admin/sales/new");
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">New sale</h1>
      <SaleForm />
    </div>
  );
}
