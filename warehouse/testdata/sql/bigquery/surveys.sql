WITH src_surveys AS (
  SELECT `customer_id` AS customer_id,
    UNIX_MICROS(TIMESTAMP(DATETIME(`responded_at`), 'Europe/Berlin')) AS responded_at,
    CAST(`score` AS FLOAT64) AS score,
    `recovery_related` AS recovery_related,
    `response_id` AS response_id
  FROM `sales`.`rk_surveys`
),
chk_surveys AS (
  SELECT customer_id, responded_at, score, recovery_related, response_id,
    CASE WHEN (customer_id IS NULL OR customer_id = '') THEN 'missing customer_id'
      WHEN responded_at IS NULL THEN 'missing responded_at'
      WHEN score IS NULL THEN 'missing score'
      WHEN (responded_at < 0 OR responded_at >= 7258118400000000) THEN 'timestamp out of range'
      WHEN (IS_NAN(score) OR IS_INF(score)) THEN 'not a finite number'
      WHEN (score < 1.0 OR score > 5.0) THEN 'score out of range' END AS aside
  FROM src_surveys
),
set_surveys AS (
  SELECT customer_id, responded_at, score, recovery_related, response_id,
    CASE WHEN aside IS NULL AND response_id IS NOT NULL AND ROW_NUMBER() OVER (PARTITION BY response_id, aside ORDER BY customer_id NULLS FIRST, responded_at NULLS FIRST, score NULLS FIRST, recovery_related NULLS FIRST, response_id NULLS FIRST) > 1 THEN 'duplicate key' ELSE aside END AS aside
  FROM chk_surveys
),
v_surveys AS (
  SELECT customer_id AS cid, responded_at AS t, score AS score, COALESCE(recovery_related, FALSE) AS related
  FROM set_surveys
  WHERE aside IS NULL
)
SELECT t, score, related
FROM v_surveys
WHERE t >= 1727733600000000 AND t <= 1794765600000000
ORDER BY t, score, related;
