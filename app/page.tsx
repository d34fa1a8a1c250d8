import Link from "next/link";
import { listSales } from "@/db/sales";
import { formatPrice } from "@/components/format";

export const dynamic = "force-dynamic";

export default async function Home() {
  const sales = await listSales();
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">Sales</h1>
      {sales.length === 0 && <p>No sales yet.</p>}
      <ul className="grid gap-4 sm:grid-cols-2">
        {sales.map((sale) => (
          <li key={sale.id}>
            <Link href={`/sales/${sale.id}`} className="block rounded-lg border border-zinc-200 p-4 hover:border-zinc-400 focus-visible:outline-2 dark:border-zinc-800">
              <div className="font-semibold">{sale.name}</div>
              <div className="text-sm">
                {formatPrice(sale.priceCents)} <s className="text-zinc-500">{formatPrice(sale.originalPriceCents)}</s> · {sale.remaining} of {sale.stock} left · {sale.state.replace("_", " ")}
              </div>
            </Link>
          </li>
        ))}
      </ul>
    </div>
  );
}
