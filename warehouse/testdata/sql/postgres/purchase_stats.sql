WITH src_purchases AS (
  SELECT "customer_id" AS customer_id,
    CAST(EXTRACT(EPOCH FROM "purchased_at") * 1000000 AS BIGINT) AS purchased_at,
    CAST("amount" AS DOUBLE PRECISION) AS amount,
    CAST("order_id" AS TEXT) AS order_id
  FROM "sales"."rk_purchases"
),
chk_purchases AS (
  SELECT customer_id, purchased_at, amount, order_id,
    CASE WHEN (customer_id IS NULL OR customer_id = '') THEN 'missing customer_id'
      WHEN purchased_at IS NULL THEN 'missing purchased_at'
      WHEN amount IS NULL THEN 'missing amount'
      WHEN (purchased_at < 0 OR purchased_at >= 7258118400000000) THEN 'timestamp out of range'
      WHEN (amount = CAST('NaN' AS DOUBLE PRECISION) OR amount = CAST('Infinity' AS DOUBLE PRECISION) OR amount = CAST('-Infinity' AS DOUBLE PRECISION)) THEN 'not a finite number' END AS aside
  FROM src_purchases
),
set_purchases AS (
  SELECT customer_id, purchased_at, amount, order_id,
    CASE WHEN aside IS NULL AND order_id IS NOT NULL AND ROW_NUMBER() OVER (PARTITION BY order_id, aside ORDER BY customer_id COLLATE "C" NULLS FIRST, purchased_at NULLS FIRST, amount NULLS FIRST, order_id COLLATE "C" NULLS FIRST) > 1 THEN 'duplicate key' ELSE aside END AS aside
  FROM chk_purchases
),
v_purchases AS (
  SELECT customer_id AS cid, purchased_at AS t, amount AS amt
  FROM set_purchases
  WHERE aside IS NULL
)
SELECT COUNT(*) AS n,
  COALESCE(SUM(CASE WHEN t >= 1763143200000000 THEN 1 ELSE 0 END), 0) AS recent,
  MAX(CASE WHEN t < 1763143200000000 THEN t END) AS before_
FROM v_purchases;
