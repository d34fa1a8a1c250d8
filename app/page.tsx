import { listSales } from "@/db/sales";
import { pageData } from "@/app/_lib/page-data";
import { SalesBrowser } from "@/components/SalesBrowser";

export const dynamic = "force-dynamic";

export default async function Home() {
  const sales = await pageData(listSales(), "/");
  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-3xl font-extrabold tracking-tight sm:text-4xl">Flash sales</h1>
        <p className="mt-2 text-zinc-600 dark:text-zinc-400">Limited stock at a fixed time. One per shopper, first come, first served.</p>
      </div>
      <SalesBrowser initialSales={sales} />
    </div>
  );
}
