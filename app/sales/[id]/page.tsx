import { notFound } from "next/navigation";
import { getSale, toSale } from "@/db/sales";
import { BuyPanel } from "@/components/BuyPanel";
import { formatPrice } from "@/components/format";

export const dynamic = "force-dynamic";

export default async function SalePage({ params }: PageProps<"/sales/[id]">) {
  const { id } = await params;
  const row = await getSale({ id });
  if (!row) notFound();
  const sale = toSale(row);
  return (
    <article className="grid gap-6 md:grid-cols-2">
      <div>
        <h1 className="text-3xl font-bold">{sale.name}</h1>
        <p className="mt-2 text-zinc-600 dark:text-zinc-400">{sale.description}</p>
        <p className="mt-4 text-2xl font-semibold">
          {formatPrice(sale.priceCents)} <s className="text-base font-normal text-zinc-500">{formatPrice(sale.originalPriceCents)}</s>
        </p>
      </div>
      <BuyPanel initialSale={sale} />
    </article>
  );
}
