-- The status-change trigger joined its transition tables (old_orders ⋈ new_orders by id), and the
-- planner runs that join as a nested loop: its cost grew with the square of the rows an UPDATE moves.
-- A 500-order allocation spent 22 ms of its 65 in one trigger statement (`npm run bench -- --profile`).
-- The same counts from aggregation alone grow with the batch.
CREATE OR REPLACE FUNCTION "count_order_status_changes"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_shard smallint := pg_backend_pid() % 16;
BEGIN
  -- Each updated row is counted out of its old (sale, status) and into its new one; a row whose
  -- status did not change cancels out. No join of the transition tables: aggregation only, so the
  -- cost grows with the batch, not with its square.
  INSERT INTO sale_status_counts AS c (sale_id, status, shard, n)
  SELECT sale_id, status, v_shard, sum(delta) FROM (
    SELECT sale_id, status, -1 AS delta FROM old_orders
    UNION ALL
    SELECT sale_id, status, 1 FROM new_orders
  ) AS moves
  GROUP BY sale_id, status HAVING sum(delta) <> 0 ORDER BY sale_id, status
  ON CONFLICT (sale_id, status, shard) DO UPDATE SET n = c.n + excluded.n;

  -- Settled (pending to completed or failed) in this second: the chart's "processed". Old and new
  -- versions of each row meet by id in one aggregation.
  INSERT INTO sale_activity AS a (sale_id, second, shard, completed, failed)
  SELECT sale_id, date_trunc('second', now()), v_shard,
         count(*) FILTER (WHERE new_status = 'completed'), count(*) FILTER (WHERE new_status = 'failed')
  FROM (
    SELECT id, max(sale_id::text) FILTER (WHERE is_new)::uuid AS sale_id,
           bool_or(NOT is_new AND status = 'pending') AS was_pending,
           max(status::text) FILTER (WHERE is_new) AS new_status
    FROM (
      SELECT id, sale_id, status, false AS is_new FROM old_orders
      UNION ALL
      SELECT id, sale_id, status, true FROM new_orders
    ) AS versions
    GROUP BY id
  ) AS moves
  WHERE was_pending AND new_status IN ('completed', 'failed')
  GROUP BY sale_id ORDER BY sale_id
  ON CONFLICT (sale_id, second, shard) DO UPDATE SET completed = a.completed + excluded.completed, failed = a.failed + excluded.failed;
  RETURN NULL;
END;
$$;
