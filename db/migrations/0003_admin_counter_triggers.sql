-- Keeps sale_status_counts and sale_activity exact in the same transaction as every change to orders,
-- whatever code path makes it (admission, allocation, an admin's status change, a test's own SQL).
-- Statement-level triggers with transition tables: a batch of 200 orders costs one counter update per
-- sale and status, not 200. Each connection writes its own shard (backend pid mod 16), so concurrent
-- transactions rarely wait on the same counter row. Rows are locked in one order everywhere (status
-- counts before activity, each sorted by key), so two transactions never wait on each other in a cycle.

-- Orders already in the database before this migration are counted once, here.
INSERT INTO "sale_status_counts" ("sale_id", "status", "shard", "n")
SELECT "sale_id", "status", 0, count(*) FROM "orders" GROUP BY "sale_id", "status";
--> statement-breakpoint
INSERT INTO "sale_activity" ("sale_id", "second", "shard", "accepted", "completed", "failed")
SELECT "sale_id", "second", 0, sum("accepted"), sum("completed"), sum("failed") FROM (
  SELECT "sale_id", date_trunc('second', "created_at") AS "second", 1 AS "accepted", 0 AS "completed", 0 AS "failed" FROM "orders"
  UNION ALL
  SELECT "sale_id", date_trunc('second', "updated_at"), 0, 1, 0 FROM "orders" WHERE "status" = 'completed'
  UNION ALL
  SELECT "sale_id", date_trunc('second', "updated_at"), 0, 0, 1 FROM "orders" WHERE "status" = 'failed'
) AS "history" GROUP BY "sale_id", "second";
--> statement-breakpoint
CREATE FUNCTION "count_inserted_orders"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_shard smallint := pg_backend_pid() % 16;
BEGIN
  INSERT INTO sale_status_counts AS c (sale_id, status, shard, n)
  SELECT sale_id, status, v_shard, count(*) FROM new_orders GROUP BY sale_id, status ORDER BY sale_id, status
  ON CONFLICT (sale_id, status, shard) DO UPDATE SET n = c.n + excluded.n;

  INSERT INTO sale_activity AS a (sale_id, second, shard, accepted)
  SELECT sale_id, date_trunc('second', now()), v_shard, count(*) FROM new_orders GROUP BY sale_id ORDER BY sale_id
  ON CONFLICT (sale_id, second, shard) DO UPDATE SET accepted = a.accepted + excluded.accepted;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION "count_order_status_changes"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_shard smallint := pg_backend_pid() % 16;
BEGIN
  -- Each move takes one from the old status and adds one to the new.
  INSERT INTO sale_status_counts AS c (sale_id, status, shard, n)
  SELECT sale_id, status, v_shard, sum(delta) FROM (
    SELECT o.sale_id, o.status, -1 AS delta FROM old_orders o JOIN new_orders n ON n.id = o.id WHERE n.status <> o.status
    UNION ALL
    SELECT n.sale_id, n.status, 1 FROM old_orders o JOIN new_orders n ON n.id = o.id WHERE n.status <> o.status
  ) AS moves
  GROUP BY sale_id, status ORDER BY sale_id, status
  ON CONFLICT (sale_id, status, shard) DO UPDATE SET n = c.n + excluded.n;

  -- Settled (pending to completed or failed) in this second: the chart's "processed".
  INSERT INTO sale_activity AS a (sale_id, second, shard, completed, failed)
  SELECT n.sale_id, date_trunc('second', now()), v_shard,
         count(*) FILTER (WHERE n.status = 'completed'), count(*) FILTER (WHERE n.status = 'failed')
  FROM old_orders o JOIN new_orders n ON n.id = o.id
  WHERE o.status = 'pending' AND n.status IN ('completed', 'failed')
  GROUP BY n.sale_id ORDER BY n.sale_id
  ON CONFLICT (sale_id, second, shard) DO UPDATE SET completed = a.completed + excluded.completed, failed = a.failed + excluded.failed;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER "orders_count_inserts" AFTER INSERT ON "orders"
  REFERENCING NEW TABLE AS new_orders FOR EACH STATEMENT EXECUTE FUNCTION "count_inserted_orders"();
--> statement-breakpoint
CREATE TRIGGER "orders_count_status_changes" AFTER UPDATE ON "orders"
  REFERENCING OLD TABLE AS old_orders NEW TABLE AS new_orders FOR EACH STATEMENT EXECUTE FUNCTION "count_order_status_changes"();
