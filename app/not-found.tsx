import { NotFoundCard } from "@/components/NotFoundCard";

/** Any address the shop has no page for: the site's own page, with the way back, not Next.js's bare 404. */
export default function PageNotFound() {
  return <NotFoundCard title="There's no page here" reason="The link may be mistyped, or the page has moved." back={{ href: "/", label: "See all sales" }} />;
}
