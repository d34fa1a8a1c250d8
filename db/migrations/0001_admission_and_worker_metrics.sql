CREATE TABLE "worker_metrics" (
	"instance" text PRIMARY KEY NOT NULL,
	"metrics" jsonb NOT NULL,
	"drain_per_second" double precision,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "orders_user_idempotency_uq" ON "orders" USING btree ("user_id","idempotency_key") WHERE "orders"."idempotency_key" IS NOT NULL;