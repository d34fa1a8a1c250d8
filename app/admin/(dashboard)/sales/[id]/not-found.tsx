import { NotFoundCard } from "@/components/NotFoundCard";

/** An admin link to a sale the database does not have: said in the dashboard, with the way back to its list. */
export default function AdminSaleNotFound() {
  return <NotFoundCard title="This sale doesn't exist" reason="The link may be mistyped, or it names a sale of another database." back={{ href: "/admin", label: "All sales" }} />;
}
