WITH src_customers AS (
  SELECT `customer_id` AS customer_id,
    `segment` AS segment,
    `name` AS name
  FROM `sales`.`rk_customers`
),
chk_customers AS (
  SELECT customer_id, segment, name,
    CASE WHEN (customer_id IS NULL OR customer_id = '') THEN 'missing customer_id' END AS aside
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
    UNIX_MICROS(`purchased_at`) AS purchased_at,
    CAST(`amount` AS FLOAT64) AS amount,
    CAST(`order_id` AS STRING) AS order_id
  FROM `sales`.`rk_purchases`
),
chk_purchases AS (
  SELECT customer_id, purchased_at, amount, order_id,
    CASE WHEN (customer_id IS NULL OR customer_id = '') THEN 'missing customer_id'
      WHEN purchased_at IS NULL THEN 'missing purchased_at'
      WHEN amount IS NULL THEN 'missing amount'
      WHEN (purchased_at < 0 OR purchased_at >= 7258118400000000) THEN 'timestamp out of range'
      WHEN (IS_NAN(amount) OR IS_INF(amount)) THEN 'not a finite number' END AS aside
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
    UNIX_MICROS(`reported_at`) AS reported_at,
    `reason` AS reason,
    `complaint_id` AS complaint_id
  FROM `sales`.`rk_complaints`
),
chk_complaints AS (
  SELECT customer_id, reported_at, reason, complaint_id,
    CASE WHEN (customer_id IS NULL OR customer_id = '') THEN 'missing customer_id'
      WHEN reported_at IS NULL THEN 'missing reported_at'
      WHEN (reported_at < 0 OR reported_at >= 7258118400000000) THEN 'timestamp out of range' END AS aside
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
    UNIX_MICROS(`departed_at`) AS departed_at,
    `reason` AS reason
  FROM `sales`.`rk_departures`
),
set_departures AS (
  SELECT customer_id, departed_at, reason,
    CASE WHEN (customer_id IS NULL OR customer_id = '') THEN 'missing customer_id'
      WHEN departed_at IS NULL THEN 'missing departed_at'
      WHEN (departed_at < 0 OR departed_at >= 7258118400000000) THEN 'timestamp out of range' END AS aside
  FROM src_departures
),
v_departures AS (
  SELECT customer_id AS cid, departed_at AS t, COALESCE(NULLIF(reason, ''), 'unspecified') AS rsn
  FROM set_departures
  WHERE aside IS NULL
),
src_outreach AS (
  SELECT `customer_id` AS customer_id,
    UNIX_MICROS(`contacted_at`) AS contacted_at,
    `channel` AS channel
  FROM `sales`.`rk_outreach`
),
set_outreach AS (
  SELECT customer_id, contacted_at, channel,
    CASE WHEN (customer_id IS NULL OR customer_id = '') THEN 'missing customer_id'
      WHEN contacted_at IS NULL THEN 'missing contacted_at'
      WHEN (contacted_at < 0 OR contacted_at >= 7258118400000000) THEN 'timestamp out of range' END AS aside
  FROM src_outreach
),
v_outreach AS (
  SELECT customer_id AS cid, contacted_at AS t, COALESCE(NULLIF(channel, ''), 'unspecified') AS chan
  FROM set_outreach
  WHERE aside IS NULL
),
src_offers AS (
  SELECT `customer_id` AS customer_id,
    UNIX_MICROS(TIMESTAMP(`issued_at`, 'Europe/Berlin')) AS issued_at,
    `offer_type` AS offer_type,
    CAST(`face_value` AS FLOAT64) AS face_value,
    UNIX_MICROS(TIMESTAMP(`redeemed_at`, 'Europe/Berlin')) AS redeemed_at,
    UNIX_MICROS(TIMESTAMP(`expires_at`, 'Europe/Berlin')) AS expires_at,
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
      WHEN (IS_NAN(face_value) OR IS_INF(face_value)) THEN 'not a finite number'
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
pq AS (
  SELECT cid, t, LEAD(t) OVER (PARTITION BY cid ORDER BY t) AS nt
  FROM v_purchases
  WHERE amt > 0
),
ev AS (
  SELECT cid, t, 0 AS kind, rsn FROM v_complaints
  UNION ALL
  SELECT cid, t, 1 AS kind, rsn FROM v_departures
  UNION ALL
  SELECT cid, t + 15552000000000 AS t, 2 AS kind, 'lapsed' AS rsn FROM pq WHERE nt IS NULL OR nt > t + 15552000000000
),
evals AS (
  SELECT CAST(0 AS INT64) AS e, CAST(1794765600000000 AS INT64) AS as_of, CAST(1719784800000000 AS INT64) AS ep_from, CAST(1798758000000000 AS INT64) AS ep_to, CAST(1727733600000000 AS INT64) AS rep_from, CAST(1790805600000000 AS INT64) AS rep_to, CAST(1782856800000000 AS INT64) AS q_from, CAST(1790805600000000 AS INT64) AS q_to
  UNION ALL
  SELECT CAST(1 AS INT64) AS e, CAST(1786816800000000 AS INT64) AS as_of, CAST(1759269600000000 AS INT64) AS ep_from, CAST(1782856800000000 AS INT64) AS ep_to, CAST(1774994400000000 AS INT64) AS rep_from, CAST(1782856800000000 AS INT64) AS rep_to, CAST(0 AS INT64) AS q_from, CAST(0 AS INT64) AS q_to
  UNION ALL
  SELECT CAST(2 AS INT64) AS e, CAST(1763229600000000 AS INT64) AS as_of, CAST(1743458400000000 AS INT64) AS ep_from, CAST(1759269600000000 AS INT64) AS ep_to, CAST(1751320800000000 AS INT64) AS rep_from, CAST(1759269600000000 AS INT64) AS rep_to, CAST(0 AS INT64) AS q_from, CAST(0 AS INT64) AS q_to
),
eev AS (
  SELECT g.e, v.cid, v.t, v.kind, v.rsn, CASE WHEN v.t < 1727733600000000 THEN 0 WHEN v.t < 1735686000000000 THEN 1 WHEN v.t < 1743458400000000 THEN 2 WHEN v.t < 1751320800000000 THEN 3 WHEN v.t < 1759269600000000 THEN 4 WHEN v.t < 1767222000000000 THEN 5 WHEN v.t < 1774994400000000 THEN 6 WHEN v.t < 1782856800000000 THEN 7 WHEN v.t < 1790805600000000 THEN 8 ELSE 9 END AS q
  FROM ev v CROSS JOIN evals g
  WHERE v.t <= g.as_of AND v.t >= g.ep_from AND v.t < g.ep_to
),
epi AS (
  SELECT x.e, x.cid, x.q, x.t AS d, x.kind, x.rsn, LEAST(x.t + 7776000000000, g.as_of) AS wend,
    CASE WHEN x.t >= g.rep_from AND x.t < g.rep_to THEN 1 ELSE 0 END AS reported
  FROM (
    SELECT eev.*, ROW_NUMBER() OVER (PARTITION BY e, cid, q ORDER BY t, kind, rsn) AS rn
    FROM eev
  ) x JOIN evals g ON g.e = x.e
  WHERE x.rn = 1
),
rec AS (
  SELECT p.e, p.cid, p.q, MIN(s.t) AS r
  FROM epi p JOIN pq s ON s.cid = p.cid AND s.t > p.d AND s.t <= p.wend
  GROUP BY p.e, p.cid, p.q
),
rar AS (
  SELECT p.e, p.cid, p.q, SUM(s.amt) AS rar
  FROM epi p JOIN v_purchases s ON s.cid = p.cid AND s.t >= p.d - 31536000000000 AND s.t < p.d
  WHERE p.reported = 1
  GROUP BY p.e, p.cid, p.q
),
rcv AS (
  SELECT p.e, p.cid, p.q, SUM(s.amt) AS rcv
  FROM epi p JOIN v_purchases s ON s.cid = p.cid AND s.t > p.d AND s.t <= p.wend
  WHERE p.reported = 1
  GROUP BY p.e, p.cid, p.q
),
grp AS (
  SELECT e, cid, q, otype FROM (
    SELECT p.e, p.cid, p.q, o.otype, ROW_NUMBER() OVER (PARTITION BY p.e, p.cid, p.q ORDER BY o.t, o.otype) AS rn
    FROM epi p JOIN v_offers o ON o.cid = p.cid AND o.t >= p.d AND o.t <= p.wend
    WHERE p.reported = 1
  ) x
  WHERE rn = 1
),
outr AS (
  SELECT DISTINCT p.e, p.cid, p.q
  FROM epi p JOIN v_outreach o ON o.cid = p.cid AND o.t >= p.d AND o.t <= p.wend
  WHERE p.reported = 1
),
chn AS (
  SELECT DISTINCT p.cid, o.chan
  FROM epi p JOIN evals g ON g.e = p.e JOIN v_outreach o ON o.cid = p.cid AND o.t >= p.d AND o.t <= p.wend
  WHERE p.e = 0 AND p.d >= g.q_from AND p.d < g.q_to
),
recx AS (
  SELECT c.e, c.cid, c.q, c.r, g.as_of
  FROM rec c JOIN evals g ON g.e = c.e
  WHERE (c.r >= g.rep_from AND c.r < g.rep_to) OR (c.e = 0 AND c.r > g.as_of - 15552000000000)
),
nxt AS (
  SELECT e, cid, q, t, kind, rsn FROM (
    SELECT c.e, c.cid, c.q, v.t, v.kind, v.rsn, ROW_NUMBER() OVER (PARTITION BY c.e, c.cid, c.q ORDER BY v.t, v.kind, v.rsn) AS rn
    FROM recx c JOIN ev v ON v.cid = c.cid AND v.t > c.r AND v.t <= c.as_of
  ) x
  WHERE rn = 1
),
cst AS (
  SELECT c.cid, c.q, SUM(CASE WHEN s.amt > 0 THEN 1 ELSE 0 END) AS np, SUM(s.amt) AS net
  FROM recx c JOIN v_purchases s ON s.cid = c.cid AND s.t > c.r AND s.t <= c.as_of
  WHERE c.e = 0 AND c.r > c.as_of - 15552000000000
  GROUP BY c.cid, c.q
),
ccm AS (
  SELECT c.cid, c.q, COUNT(*) AS nc
  FROM recx c JOIN v_complaints s ON s.cid = c.cid AND s.t > c.r AND s.t <= c.as_of
  WHERE c.e = 0 AND c.r > c.as_of - 15552000000000
  GROUP BY c.cid, c.q
),
dep AS (
  SELECT e, cid, q, t FROM (
    SELECT v.e, v.cid, v.q, v.t, ROW_NUMBER() OVER (PARTITION BY v.e, v.cid, v.q ORDER BY v.t, v.kind, v.rsn) AS rn
    FROM eev v JOIN evals g ON g.e = v.e
    WHERE v.kind > 0 AND v.t >= g.rep_from AND v.t < g.rep_to
  ) x
  WHERE rn = 1
),
depr AS (
  SELECT p.e, p.cid, p.q, SUM(s.amt) AS rar
  FROM dep p JOIN v_purchases s ON s.cid = p.cid AND s.t >= p.t - 31536000000000 AND s.t < p.t
  GROUP BY p.e, p.cid, p.q
)
SELECT CAST(1 AS INT64) AS rk, c.cid AS cid, CAST(NULL AS INT64) AS e, CAST(NULL AS INT64) AS q, CAST(NULL AS INT64) AS d, CAST(NULL AS INT64) AS kind, CAST(NULL AS STRING) AS rsn, CAST(NULL AS INT64) AS r, CAST(NULL AS FLOAT64) AS rar, CAST(NULL AS FLOAT64) AS rcv, CAST(NULL AS STRING) AS otype, CAST(NULL AS INT64) AS outreach, CAST(NULL AS INT64) AS nx_t, CAST(NULL AS INT64) AS nx_kind, CAST(NULL AS STRING) AS nx_rsn, CAST(NULL AS INT64) AS np, CAST(NULL AS FLOAT64) AS net, CAST(NULL AS INT64) AS nc, u.seg AS seg, u.cname AS cname, CAST(NULL AS STRING) AS chan
FROM (SELECT DISTINCT cid FROM epi) c LEFT JOIN v_customers u ON u.cid = c.cid
UNION ALL
SELECT CAST(2 AS INT64) AS rk, p.cid AS cid, p.e AS e, CAST(p.q AS INT64) AS q, p.d AS d, CAST(p.kind AS INT64) AS kind, p.rsn AS rsn, rec.r AS r, COALESCE(rar.rar, 0) AS rar, COALESCE(rcv.rcv, 0) AS rcv, grp.otype AS otype, CAST(CASE WHEN outr.cid IS NULL THEN 0 ELSE 1 END AS INT64) AS outreach, nxt.t AS nx_t, CAST(nxt.kind AS INT64) AS nx_kind, nxt.rsn AS nx_rsn, CAST(COALESCE(cst.np, 0) AS INT64) AS np, COALESCE(cst.net, 0) AS net, CAST(COALESCE(ccm.nc, 0) AS INT64) AS nc, CAST(NULL AS STRING) AS seg, CAST(NULL AS STRING) AS cname, CAST(NULL AS STRING) AS chan
FROM epi p
  LEFT JOIN rec ON rec.e = p.e AND rec.cid = p.cid AND rec.q = p.q
  LEFT JOIN rar ON rar.e = p.e AND rar.cid = p.cid AND rar.q = p.q
  LEFT JOIN rcv ON rcv.e = p.e AND rcv.cid = p.cid AND rcv.q = p.q
  LEFT JOIN grp ON grp.e = p.e AND grp.cid = p.cid AND grp.q = p.q
  LEFT JOIN outr ON outr.e = p.e AND outr.cid = p.cid AND outr.q = p.q
  LEFT JOIN nxt ON nxt.e = p.e AND nxt.cid = p.cid AND nxt.q = p.q
  LEFT JOIN cst ON p.e = 0 AND cst.cid = p.cid AND cst.q = p.q
  LEFT JOIN ccm ON p.e = 0 AND ccm.cid = p.cid AND ccm.q = p.q
UNION ALL
SELECT CAST(3 AS INT64) AS rk, p.cid AS cid, p.e AS e, CAST(p.q AS INT64) AS q, p.t AS d, CAST(NULL AS INT64) AS kind, CAST(NULL AS STRING) AS rsn, CAST(NULL AS INT64) AS r, COALESCE(depr.rar, 0) AS rar, CAST(NULL AS FLOAT64) AS rcv, CAST(NULL AS STRING) AS otype, CAST(NULL AS INT64) AS outreach, CAST(NULL AS INT64) AS nx_t, CAST(NULL AS INT64) AS nx_kind, CAST(NULL AS STRING) AS nx_rsn, CAST(NULL AS INT64) AS np, CAST(NULL AS FLOAT64) AS net, CAST(NULL AS INT64) AS nc, CAST(NULL AS STRING) AS seg, CAST(NULL AS STRING) AS cname, CAST(NULL AS STRING) AS chan
FROM dep p LEFT JOIN depr ON depr.e = p.e AND depr.cid = p.cid AND depr.q = p.q
UNION ALL
SELECT CAST(4 AS INT64) AS rk, chn.cid AS cid, CAST(0 AS INT64) AS e, CAST(NULL AS INT64) AS q, CAST(NULL AS INT64) AS d, CAST(NULL AS INT64) AS kind, CAST(NULL AS STRING) AS rsn, CAST(NULL AS INT64) AS r, CAST(NULL AS FLOAT64) AS rar, CAST(NULL AS FLOAT64) AS rcv, CAST(NULL AS STRING) AS otype, CAST(NULL AS INT64) AS outreach, CAST(NULL AS INT64) AS nx_t, CAST(NULL AS INT64) AS nx_kind, CAST(NULL AS STRING) AS nx_rsn, CAST(NULL AS INT64) AS np, CAST(NULL AS FLOAT64) AS net, CAST(NULL AS INT64) AS nc, CAST(NULL AS STRING) AS seg, CAST(NULL AS STRING) AS cname, chn.chan AS chan
FROM chn
ORDER BY cid, rk, e, q, chan;
