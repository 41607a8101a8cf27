WITH src_customers AS (
  SELECT `customer_id` AS customer_id,
    `segment` AS segment,
    `name` AS name
  FROM `sales`.`rk_customers`
),
chk_customers AS (
  SELECT customer_id, segment, name,
    CASE WHEN (customer_id IS NULL OR customer_id = '') THEN 'missing customer_id'
      WHEN (NOT is_valid_utf8(customer_id) OR NOT is_valid_utf8(segment) OR NOT is_valid_utf8(name)) THEN 'invalid text' END AS aside
  FROM src_customers
),
set_customers AS (
  SELECT customer_id, segment, name,
    CASE WHEN aside IS NULL AND customer_id IS NOT NULL AND ROW_NUMBER() OVER (PARTITION BY customer_id, aside ORDER BY customer_id NULLS FIRST, segment NULLS FIRST, name NULLS FIRST) > 1 THEN 'duplicate key' ELSE aside END AS aside
  FROM chk_customers
),
v_customers AS (
  SELECT customer_id AS cid, NULLIF(segment, '') AS seg, name AS cname
  FROM set_customers
  WHERE aside IS NULL
),
src_purchases AS (
  SELECT `customer_id` AS customer_id,
    unix_micros(`purchased_at`) AS purchased_at,
    CAST(`amount` AS DOUBLE) AS amount,
    CAST(`order_id` AS STRING) AS order_id
  FROM `sales`.`rk_purchases`
),
chk_purchases AS (
  SELECT customer_id, purchased_at, amount, order_id,
    CASE WHEN (customer_id IS NULL OR customer_id = '') THEN 'missing customer_id'
      WHEN purchased_at IS NULL THEN 'missing purchased_at'
      WHEN amount IS NULL THEN 'missing amount'
      WHEN (purchased_at < 0 OR purchased_at >= 7258118400000000) THEN 'timestamp out of range'
      WHEN (isnan(amount) OR amount = CAST('Infinity' AS DOUBLE) OR amount = CAST('-Infinity' AS DOUBLE)) THEN 'not a finite number'
      WHEN (NOT is_valid_utf8(customer_id)) THEN 'invalid text' END AS aside
  FROM src_purchases
),
set_purchases AS (
  SELECT customer_id, purchased_at, amount, order_id,
    CASE WHEN aside IS NULL AND order_id IS NOT NULL AND ROW_NUMBER() OVER (PARTITION BY order_id, aside ORDER BY customer_id NULLS FIRST, purchased_at NULLS FIRST, amount NULLS FIRST, order_id NULLS FIRST) > 1 THEN 'duplicate key' ELSE aside END AS aside
  FROM chk_purchases
),
v_purchases AS (
  SELECT customer_id AS cid, purchased_at AS t, amount AS amt
  FROM set_purchases
  WHERE aside IS NULL
),
src_complaints AS (
  SELECT `customer_id` AS customer_id,
    unix_micros(`reported_at`) AS reported_at,
    `reason` AS reason,
    `complaint_id` AS complaint_id
  FROM `sales`.`rk_complaints`
),
chk_complaints AS (
  SELECT customer_id, reported_at, reason, complaint_id,
    CASE WHEN (customer_id IS NULL OR customer_id = '') THEN 'missing customer_id'
      WHEN reported_at IS NULL THEN 'missing reported_at'
      WHEN (reported_at < 0 OR reported_at >= 7258118400000000) THEN 'timestamp out of range'
      WHEN (NOT is_valid_utf8(customer_id) OR NOT is_valid_utf8(reason) OR NOT is_valid_utf8(complaint_id)) THEN 'invalid text' END AS aside
  FROM src_complaints
),
set_complaints AS (
  SELECT customer_id, reported_at, reason, complaint_id,
    CASE WHEN aside IS NULL AND complaint_id IS NOT NULL AND ROW_NUMBER() OVER (PARTITION BY complaint_id, aside ORDER BY customer_id NULLS FIRST, reported_at NULLS FIRST, reason NULLS FIRST, complaint_id NULLS FIRST) > 1 THEN 'duplicate key' ELSE aside END AS aside
  FROM chk_complaints
),
v_complaints AS (
  SELECT customer_id AS cid, reported_at AS t, COALESCE(NULLIF(reason, ''), 'unspecified') AS rsn
  FROM set_complaints
  WHERE aside IS NULL
),
src_departures AS (
  SELECT `customer_id` AS customer_id,
    unix_micros(`departed_at`) AS departed_at,
    `reason` AS reason
  FROM `sales`.`rk_departures`
),
set_departures AS (
  SELECT customer_id, departed_at, reason,
    CASE WHEN (customer_id IS NULL OR customer_id = '') THEN 'missing customer_id'
      WHEN departed_at IS NULL THEN 'missing departed_at'
      WHEN (departed_at < 0 OR departed_at >= 7258118400000000) THEN 'timestamp out of range'
      WHEN (NOT is_valid_utf8(customer_id) OR NOT is_valid_utf8(reason)) THEN 'invalid text' END AS aside
  FROM src_departures
),
v_departures AS (
  SELECT customer_id AS cid, departed_at AS t, COALESCE(NULLIF(reason, ''), 'unspecified') AS rsn
  FROM set_departures
  WHERE aside IS NULL
),
src_outreach AS (
  SELECT `customer_id` AS customer_id,
    unix_micros(`contacted_at`) AS contacted_at,
    `channel` AS channel
  FROM `sales`.`rk_outreach`
),
set_outreach AS (
  SELECT customer_id, contacted_at, channel,
    CASE WHEN (customer_id IS NULL OR customer_id = '') THEN 'missing customer_id'
      WHEN contacted_at IS NULL THEN 'missing contacted_at'
      WHEN (contacted_at < 0 OR contacted_at >= 7258118400000000) THEN 'timestamp out of range'
      WHEN (NOT is_valid_utf8(customer_id) OR NOT is_valid_utf8(channel)) THEN 'invalid text' END AS aside
  FROM src_outreach
),
v_outreach AS (
  SELECT customer_id AS cid, contacted_at AS t, COALESCE(NULLIF(channel, ''), 'unspecified') AS chan
  FROM set_outreach
  WHERE aside IS NULL
),
src_offers AS (
  SELECT `customer_id` AS customer_id,
    unix_micros(to_utc_timestamp(CAST(`issued_at` AS TIMESTAMP), 'Europe/Berlin')) AS issued_at,
    `offer_type` AS offer_type,
    CAST(`face_value` AS DOUBLE) AS face_value,
    unix_micros(to_utc_timestamp(CAST(`redeemed_at` AS TIMESTAMP), 'Europe/Berlin')) AS redeemed_at,
    unix_micros(to_utc_timestamp(CAST(`expires_at` AS TIMESTAMP), 'Europe/Berlin')) AS expires_at,
    `offer_id` AS offer_id
  FROM `sales`.`rk_offers`
),
chk_offers AS (
  SELECT customer_id, issued_at, offer_type, face_value, redeemed_at, expires_at, offer_id,
    CASE WHEN (customer_id IS NULL OR customer_id = '') THEN 'missing customer_id'
      WHEN issued_at IS NULL THEN 'missing issued_at'
      WHEN (issued_at < 0 OR issued_at >= 7258118400000000) THEN 'timestamp out of range'
      WHEN (redeemed_at < 0 OR redeemed_at >= 7258118400000000) THEN 'timestamp out of range'
      WHEN (expires_at < 0 OR expires_at >= 7258118400000000) THEN 'timestamp out of range'
      WHEN (isnan(face_value) OR face_value = CAST('Infinity' AS DOUBLE) OR face_value = CAST('-Infinity' AS DOUBLE)) THEN 'not a finite number'
      WHEN (NOT is_valid_utf8(customer_id) OR NOT is_valid_utf8(offer_type) OR NOT is_valid_utf8(offer_id)) THEN 'invalid text'
      WHEN redeemed_at < issued_at THEN 'redeemed before issued' END AS aside
  FROM src_offers
),
set_offers AS (
  SELECT customer_id, issued_at, offer_type, face_value, redeemed_at, expires_at, offer_id,
    CASE WHEN aside IS NULL AND offer_id IS NOT NULL AND ROW_NUMBER() OVER (PARTITION BY offer_id, aside ORDER BY customer_id NULLS FIRST, issued_at NULLS FIRST, offer_type NULLS FIRST, face_value NULLS FIRST, redeemed_at NULLS FIRST, expires_at NULLS FIRST, offer_id NULLS FIRST) > 1 THEN 'duplicate key' ELSE aside END AS aside
  FROM chk_offers
),
v_offers AS (
  SELECT customer_id AS cid, issued_at AS t, COALESCE(NULLIF(offer_type, ''), 'unspecified') AS otype, COALESCE(face_value, 0) AS face, redeemed_at AS redeemed, expires_at AS expires
  FROM set_offers
  WHERE aside IS NULL
),
src_surveys AS (
  SELECT `customer_id` AS customer_id,
    unix_micros(to_utc_timestamp(CAST(`responded_at` AS TIMESTAMP), 'Europe/Berlin')) AS responded_at,
    CAST(`score` AS DOUBLE) AS score,
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
      WHEN (isnan(score) OR score = CAST('Infinity' AS DOUBLE) OR score = CAST('-Infinity' AS DOUBLE)) THEN 'not a finite number'
      WHEN (NOT is_valid_utf8(customer_id) OR NOT is_valid_utf8(response_id)) THEN 'invalid text'
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
SELECT 1 AS kind, 'customers' AS tbl, aside AS col, COUNT(*) AS n, CAST(NULL AS BIGINT) AS t, CAST(NULL AS BIGINT) AS recent, CAST(NULL AS BIGINT) AS before_ FROM set_customers GROUP BY aside
UNION ALL
SELECT 1 AS kind, 'purchases' AS tbl, aside AS col, COUNT(*) AS n, CAST(NULL AS BIGINT) AS t, CAST(NULL AS BIGINT) AS recent, CAST(NULL AS BIGINT) AS before_ FROM set_purchases GROUP BY aside
UNION ALL
SELECT 1 AS kind, 'complaints' AS tbl, aside AS col, COUNT(*) AS n, CAST(NULL AS BIGINT) AS t, CAST(NULL AS BIGINT) AS recent, CAST(NULL AS BIGINT) AS before_ FROM set_complaints GROUP BY aside
UNION ALL
SELECT 1 AS kind, 'departures' AS tbl, aside AS col, COUNT(*) AS n, CAST(NULL AS BIGINT) AS t, CAST(NULL AS BIGINT) AS recent, CAST(NULL AS BIGINT) AS before_ FROM set_departures GROUP BY aside
UNION ALL
SELECT 1 AS kind, 'outreach' AS tbl, aside AS col, COUNT(*) AS n, CAST(NULL AS BIGINT) AS t, CAST(NULL AS BIGINT) AS recent, CAST(NULL AS BIGINT) AS before_ FROM set_outreach GROUP BY aside
UNION ALL
SELECT 1 AS kind, 'offers' AS tbl, aside AS col, COUNT(*) AS n, CAST(NULL AS BIGINT) AS t, CAST(NULL AS BIGINT) AS recent, CAST(NULL AS BIGINT) AS before_ FROM set_offers GROUP BY aside
UNION ALL
SELECT 1 AS kind, 'surveys' AS tbl, aside AS col, COUNT(*) AS n, CAST(NULL AS BIGINT) AS t, CAST(NULL AS BIGINT) AS recent, CAST(NULL AS BIGINT) AS before_ FROM set_surveys GROUP BY aside
ORDER BY kind, tbl, col;
