import { NotFoundCard } from "@/components/NotFoundCard";

/** A link to a sale the shop does not have. */
export default function SaleNotFound() {
  return <NotFoundCard title="This sale doesn't exist" reason="The link may be mistyped, or the sale was removed." back={{ href: "/", label: "See all sales" }} />;
}
