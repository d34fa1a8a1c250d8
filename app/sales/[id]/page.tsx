import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { getSale, toSale } from "@/db/sales";
import { SaleView } from "@/components/SaleView";
import { pageData } from "@/app/_lib/page-data";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: PageProps<"/sales/[id]">): Promise<Metadata> {
  const { id } = await params;
  const row = await pageData(getSale({ id }), `/sales/${id}`);
  return { title: row ? `${row.name} · Flash sale` : "Sale not found · Flash sale" };
}

export default async function SalePage({ params }: PageProps<"/sales/[id]">) {
  const { id } = await params;
  const row = await pageData(getSale({ id }), `/sales/${id}`);
  if (!row) notFound();
  return <SaleView initialSale={toSale(row)} />;
}
