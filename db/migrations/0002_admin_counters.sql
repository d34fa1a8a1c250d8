CREATE TABLE "sale_activity" (
	"sale_id" uuid NOT NULL,
	"second" timestamp with time zone NOT NULL,
	"shard" smallint NOT NULL,
	"accepted" integer DEFAULT 0 NOT NULL,
	"completed" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "sale_activity_sale_id_second_shard_pk" PRIMARY KEY("sale_id","second","shard")
);
--> statement-breakpoint
CREATE TABLE "sale_status_counts" (
	"sale_id" uuid NOT NULL,
	"status" "order_status" NOT NULL,
	"shard" smallint NOT NULL,
	"n" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "sale_status_counts_sale_id_status_shard_pk" PRIMARY KEY("sale_id","status","shard")
);
--> statement-breakpoint
DROP INDEX "orders_sale_status_idx";--> statement-breakpoint
CREATE INDEX "orders_sale_status_seq_idx" ON "orders" USING btree ("sale_id","status","seq");