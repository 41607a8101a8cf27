WITH src_offers AS (
  SELECT "customer_id" AS customer_id,
    CAST(round(to_unixtime(with_timezone("issued_at", 'Europe/Berlin')) * 1000000) AS BIGINT) AS issued_at,
    "offer_type" AS offer_type,
    CAST("face_value" AS DOUBLE) AS face_value,
    CAST(round(to_unixtime(with_timezone("redeemed_at", 'Europe/Berlin')) * 1000000) AS BIGINT) AS redeemed_at,
    CAST(round(to_unixtime(with_timezone("expires_at", 'Europe/Berlin')) * 1000000) AS BIGINT) AS expires_at,
    "offer_id" AS offer_id
  FROM "sales"."rk_offers"
),
chk_offers AS (
  SELECT customer_id, issued_at, offer_type, face_value, redeemed_at, expires_at, offer_id,
    CASE WHEN (customer_id IS NULL OR customer_id = '') THEN 'missing customer_id'
      WHEN issued_at IS NULL THEN 'missing issued_at'
      WHEN (issued_at < 0 OR issued_at >= 7258118400000000) THEN 'timestamp out of range'
      WHEN (redeemed_at < 0 OR redeemed_at >= 7258118400000000) THEN 'timestamp out of range'
      WHEN (expires_at < 0 OR expires_at >= 7258118400000000) THEN 'timestamp out of range'
      WHEN (is_nan(face_value) OR is_infinite(face_value)) THEN 'not a finite number'
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
)
SELECT t, otype, face, redeemed, expires
FROM v_offers
WHERE t >= 1727733600000000 AND t <= 1794765600000000
ORDER BY t, otype, face, redeemed, expires;
