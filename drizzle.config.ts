import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes SQL migrations into db/migrations; they are committed and applied on every start.
export default defineConfig({
  dialect: "postgresql",
  schema: "./db/schema.ts",
  out: "./db/migrations",
});
