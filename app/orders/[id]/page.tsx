import type { Metadata } from "next";
import { OrderView } from "@/components/OrderView";

export const metadata: Metadata = { title: "Your order · Flash sale" };

export default async function OrderPage({ params }: PageProps<"/orders/[id]">) {
  const { id } = await params;
  return <OrderView orderId={id} />;
}
