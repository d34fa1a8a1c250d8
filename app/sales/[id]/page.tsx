import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { getSaleCached, toSale } from "@/db/sales";
import { SaleView } from "@/components/SaleView";
import { pageData } from "@/app/_lib/page-data";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: PageProps<"/sales/[id]">): Promise<Metadata> {
  const { id } = await params;
  const row = await pageData(getSaleCached({ id }), `/sales/${id}`);
  return { title: row ? `${row.name} · Flash sale` : "Sale not found · Flash sale" };
}

// Read through the per-process sale cache, like the Buy and the page's polls: the reloads of a crowd at
// the opening second cost the database one read.
export default async function SalePage({ params }: PageProps<"/sales/[id]">) {
  const { id } = await params;
  const row = await pageData(getSaleCached({ id }), `/sales/${id}`);
  if (!row) notFound();
  return <SaleView initialSale={toSale(row)} />;
}
