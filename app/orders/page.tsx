import type { Metadata } from "next";
import { OrdersList } from "@/components/OrdersList";

export const metadata: Metadata = { title: "Your orders · Flash sale" };

export default function OrdersPage() {
  return (
    <div className="space-y-6">
      <h1 className="text-3xl font-extrabold tracking-tight">Your orders</h1>
      <OrdersList />
    </div>
  );
}
