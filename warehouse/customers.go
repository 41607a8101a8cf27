package warehouse

import (
	"fmt"
	"strings"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

// Row kinds of the per-customer query, in the order a customer's rows come.
const (
	rowCustomer  = 1 // segment, name
	rowEpisode   = 2
	rowDeparture = 3
	rowChannel   = 4
)

// resultColumns are the columns of the per-customer query, in order, with the
// type of each (b: BIGINT, d: DOUBLE, t: text).
var resultColumns = [][2]string{
	{"rk", "b"}, {"cid", "t"}, {"e", "b"}, {"q", "b"}, {"d", "b"}, {"kind", "b"}, {"rsn", "t"},
	{"r", "b"}, {"rar", "d"}, {"rcv", "d"}, {"otype", "t"}, {"outreach", "b"},
	{"nx_t", "b"}, {"nx_kind", "b"}, {"nx_rsn", "t"}, {"np", "b"}, {"net", "d"}, {"nc", "b"},
	{"seg", "t"}, {"cname", "t"}, {"chan", "t"},
}

// CustomersSQL returns the per-customer query of plan p: for every customer with an
// episode in any evaluation, its rows (pipeline.CustomerRecord), a customer's rows
// adjacent, ordered by cid, row kind, evaluation and quarter. SPEC §4 in SQL, one
// CTE per definition:
//
//   - pq: qualifying purchases (amount > 0) with the next qualifying one (LEAD);
//   - ev: the at-risk events: complaints, departures, and a lapse at p + L for each
//     qualifying purchase whose next is later than p + L or absent;
//   - evals: the evaluations (the scorecard's as_of and the two same-age ones);
//   - eev: each evaluation's events up to its as_of in its episode quarters, with
//     their grid quarter;
//   - epi: the episode of each customer and quarter, its earliest event (ties:
//     complaint, departure, lapse, then the smaller reason by bytes), with the end
//     of its window min(d + W, as_of);
//   - rec: its recovery time, the first qualifying purchase in (d, wend];
//   - rar, rcv: revenue at risk [d - R, d) and recovered revenue (d, wend] of the
//     reported quarters' episodes;
//   - grp, outr: the earliest offer in [d, wend] (ties: the smaller type by bytes),
//     and whether an outreach contact falls in it;
//   - chn: the channels of the contacts of the scorecard quarter's episode;
//   - nxt: the first at-risk event after a recovery, up to as_of, for the re-churn
//     cohorts and intensive care;
//   - cst, ccm: qualifying purchases, net amount and complaints since a recovery
//     within I of as_of (intensive care);
//   - dep, depr: the first departure or lapse of each reported quarter and the
//     revenue at risk at it.
//
// Every join is an equi-join on cid with range conditions (no correlated subquery).
// Sums of amounts are in time order where the dialect has ordered aggregates
// (orderedSum), so that the same tables give the same bits whatever the plan.
func (s *Source) CustomersSQL(p *pipeline.PushdownPlan) string {
	d := s.Dialect
	b := s.with(contract.Customers, contract.Purchases, contract.Complaints, contract.Departures, contract.Outreach, contract.Offers)
	w, l, i, r := p.RecoveryWindow, p.Lapse, p.ReviewPeriod, p.RevenueLookback
	by := d.bytewise

	// evals: one row per evaluation.
	var evs []string
	for k, e := range p.Evaluations {
		evs = append(evs, fmt.Sprintf("SELECT CAST(%d AS %s) AS e, CAST(%d AS %s) AS as_of, CAST(%d AS %s) AS ep_from, CAST(%d AS %s) AS ep_to, CAST(%d AS %s) AS rep_from, CAST(%d AS %s) AS rep_to, CAST(%d AS %s) AS q_from, CAST(%d AS %s) AS q_to",
			k, d.Bigint, e.AsOf, d.Bigint, e.EpisodesFrom, d.Bigint, e.EpisodesTo, d.Bigint, e.ReportedFrom, d.Bigint, e.ReportedTo, d.Bigint, e.QuarterFrom, d.Bigint, e.QuarterTo, d.Bigint))
	}
	// The grid quarter of a time t >= Bounds[0].
	var qcase strings.Builder
	qcase.WriteString("CASE")
	for k := 1; k < len(p.Bounds)-1; k++ {
		fmt.Fprintf(&qcase, " WHEN v.t < %d THEN %d", p.Bounds[k], k-1)
	}
	fmt.Fprintf(&qcase, " ELSE %d END", len(p.Bounds)-2)

	fmt.Fprintf(b, `pq AS (
  SELECT cid, t, LEAD(t) OVER (PARTITION BY cid ORDER BY t) AS nt
  FROM v_purchases
  WHERE amt > 0
),
ev AS (
  SELECT cid, t, 0 AS kind, rsn FROM v_complaints
  UNION ALL
  SELECT cid, t, 1 AS kind, rsn FROM v_departures
  UNION ALL
  SELECT cid, t + %[1]d AS t, 2 AS kind, %[2]s AS rsn FROM pq WHERE nt IS NULL OR nt > t + %[1]d
),
evals AS (
  %[3]s
),
eev AS (
  SELECT g.e, v.cid, v.t, v.kind, v.rsn, %[4]s AS q
  FROM ev v CROSS JOIN evals g
  WHERE v.t <= g.as_of AND v.t >= g.ep_from AND v.t < g.ep_to
),
epi AS (
  SELECT x.e, x.cid, x.q, x.t AS d, x.kind, x.rsn, LEAST(x.t + %[5]d, g.as_of) AS wend,
    CASE WHEN x.t >= g.rep_from AND x.t < g.rep_to THEN 1 ELSE 0 END AS reported
  FROM (
    SELECT eev.*, ROW_NUMBER() OVER (PARTITION BY e, cid, q ORDER BY t, kind, %[6]s) AS rn
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
  SELECT p.e, p.cid, p.q, %[12]s AS rar
  FROM epi p JOIN v_purchases s ON s.cid = p.cid AND s.t >= p.d - %[7]d AND s.t < p.d
  WHERE p.reported = 1
  GROUP BY p.e, p.cid, p.q
),
rcv AS (
  SELECT p.e, p.cid, p.q, %[12]s AS rcv
  FROM epi p JOIN v_purchases s ON s.cid = p.cid AND s.t > p.d AND s.t <= p.wend
  WHERE p.reported = 1
  GROUP BY p.e, p.cid, p.q
),
grp AS (
  SELECT e, cid, q, otype FROM (
    SELECT p.e, p.cid, p.q, o.otype, ROW_NUMBER() OVER (PARTITION BY p.e, p.cid, p.q ORDER BY o.t, %[8]s) AS rn
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
  WHERE (c.r >= g.rep_from AND c.r < g.rep_to) OR (c.e = 0 AND c.r > g.as_of - %[9]d)
),
nxt AS (
  SELECT e, cid, q, t, kind, rsn FROM (
    SELECT c.e, c.cid, c.q, v.t, v.kind, v.rsn, ROW_NUMBER() OVER (PARTITION BY c.e, c.cid, c.q ORDER BY v.t, v.kind, %[10]s) AS rn
    FROM recx c JOIN ev v ON v.cid = c.cid AND v.t > c.r AND v.t <= c.as_of
  ) x
  WHERE rn = 1
),
cst AS (
  SELECT c.cid, c.q, SUM(CASE WHEN s.amt > 0 THEN 1 ELSE 0 END) AS np, %[12]s AS net
  FROM recx c JOIN v_purchases s ON s.cid = c.cid AND s.t > c.r AND s.t <= c.as_of
  WHERE c.e = 0 AND c.r > c.as_of - %[9]d
  GROUP BY c.cid, c.q
),
ccm AS (
  SELECT c.cid, c.q, COUNT(*) AS nc
  FROM recx c JOIN v_complaints s ON s.cid = c.cid AND s.t > c.r AND s.t <= c.as_of
  WHERE c.e = 0 AND c.r > c.as_of - %[9]d
  GROUP BY c.cid, c.q
),
dep AS (
  SELECT e, cid, q, t FROM (
    SELECT v.e, v.cid, v.q, v.t, ROW_NUMBER() OVER (PARTITION BY v.e, v.cid, v.q ORDER BY v.t, v.kind, %[11]s) AS rn
    FROM eev v JOIN evals g ON g.e = v.e
    WHERE v.kind > 0 AND v.t >= g.rep_from AND v.t < g.rep_to
  ) x
  WHERE rn = 1
),
depr AS (
  SELECT p.e, p.cid, p.q, %[12]s AS rar
  FROM dep p JOIN v_purchases s ON s.cid = p.cid AND s.t >= p.t - %[7]d AND s.t < p.t
  GROUP BY p.e, p.cid, p.q
),
`, l, literal(contract.Lapsed), strings.Join(evs, "\n  UNION ALL\n  "), qcase.String(), w, by("rsn"), r, by("o.otype"), i, by("v.rsn"), by("v.rsn"), d.orderedSum("s.amt", "s.t, s.amt"))

	row := func(vals map[string]string) string {
		cols := make([]string, len(resultColumns))
		for k, c := range resultColumns {
			v, ok := vals[c[0]]
			if !ok {
				typ := map[string]string{"b": d.Bigint, "d": d.Double, "t": d.Text}[c[1]]
				v = typedNull(typ)
			}
			cols[k] = v + " AS " + c[0]
		}
		return strings.Join(cols, ", ")
	}
	big := func(x string) string { return "CAST(" + x + " AS " + d.Bigint + ")" }
	query := fmt.Sprintf(`SELECT %s
FROM (SELECT DISTINCT cid FROM epi) c LEFT JOIN v_customers u ON u.cid = c.cid
UNION ALL
SELECT %s
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
SELECT %s
FROM dep p LEFT JOIN depr ON depr.e = p.e AND depr.cid = p.cid AND depr.q = p.q
UNION ALL
SELECT %s
FROM chn
ORDER BY cid, rk, e, q, chan`,
		row(map[string]string{"rk": big(fmt.Sprint(rowCustomer)), "cid": "c.cid", "seg": "u.seg", "cname": "u.cname"}),
		row(map[string]string{"rk": big(fmt.Sprint(rowEpisode)), "cid": "p.cid", "e": "p.e", "q": big("p.q"), "d": "p.d", "kind": big("p.kind"), "rsn": "p.rsn",
			"r": "rec.r", "rar": "COALESCE(rar.rar, 0)", "rcv": "COALESCE(rcv.rcv, 0)", "otype": "grp.otype",
			"outreach": big("CASE WHEN outr.cid IS NULL THEN 0 ELSE 1 END"),
			"nx_t":     "nxt.t", "nx_kind": big("nxt.kind"), "nx_rsn": "nxt.rsn",
			"np": big("COALESCE(cst.np, 0)"), "net": "COALESCE(cst.net, 0)", "nc": big("COALESCE(ccm.nc, 0)")}),
		row(map[string]string{"rk": big(fmt.Sprint(rowDeparture)), "cid": "p.cid", "e": "p.e", "q": big("p.q"), "d": "p.t", "rar": "COALESCE(depr.rar, 0)"}),
		row(map[string]string{"rk": big(fmt.Sprint(rowChannel)), "cid": "chn.cid", "e": big("0"), "chan": "chn.chan"}),
	)
	return finish(b, query)
}
