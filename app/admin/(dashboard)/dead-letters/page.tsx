import type { Metadata } from "next";
import { isUuid } from "@/db/ids";
import { requireAdminPage } from "@/app/_lib/admin-session";
import { DeadLetters } from "@/components/admin/DeadLetters";

export const metadata: Metadata = { title: "Dead letters · Admin · Flash sale" };

export default async function DeadLettersPage({ searchParams }: PageProps<"/admin/dead-letters">) {
  const { saleId } = await searchParams;
  const sale = typeof saleId === "string" && isUuid(saleId) ? saleId : undefined;
  await requireAdminPage(sale ? `/admin/dead-letters?saleId=${sale}` : "/admin/dead-letters");
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">Dead letters</h1>
      <p className="text-sm text-zinc-500">
        Jobs that failed every retry: an allocation that could not run, or an order status change that could not be applied. Retry sends one back to its queue with fresh retries;
        Discard deletes it.
      </p>
      <DeadLetters saleId={sale} />
    </div>
  );
}
