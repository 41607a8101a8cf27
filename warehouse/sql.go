package warehouse

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

// Source is the warehouse tables the generator reads.
type Source struct {
	Dialect *Dialect
	// Schema qualifies the table names ("" for the session's default).
	Schema string
	// Tables are the present contract tables, in contract order.
	Tables []Table
	// Timezone is the IANA zone of wall-clock timestamps and dates.
	Timezone           string
	ScoreMin, ScoreMax float64
}

// Table is one contract table in the warehouse.
type Table struct {
	Contract string   // contract name
	Name     string   // warehouse table name
	Columns  []Column // the contract's columns in contract order; Name "" when absent
}

// Column is one contract column of a warehouse table.
type Column struct {
	Contract string
	Name     string // "" when absent (an optional column)
	Type     Type
}

// table returns the present table called name, nil when absent.
func (s *Source) table(name string) *Table {
	for i := range s.Tables {
		if s.Tables[i].Contract == name {
			return &s.Tables[i]
		}
	}
	return nil
}

func (t *Table) column(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Contract == name {
			return &t.Columns[i]
		}
	}
	return nil
}

func (s *Source) qualified(t *Table) string {
	if s.Schema == "" {
		return s.Dialect.quote(t.Name)
	}
	return s.Dialect.quote(s.Schema) + "." + s.Dialect.quote(t.Name)
}

// Names of the CTEs of a table: its columns converted (src_), with the set-aside
// reason of each row (set_), its valid rows under the generator's short names (v_).
func srcName(t string) string   { return "src_" + t }
func setName(t string) string   { return "set_" + t }
func validName(t string) string { return "v_" + t }

// typed returns a NULL of SQL type typ.
func typedNull(typ string) string { return "CAST(NULL AS " + typ + ")" }

// sqlType is the SQL type a contract kind is converted to.
func (s *Source) sqlType(k contract.Kind) string {
	d := s.Dialect
	switch k {
	case contract.KindTime:
		return d.Bigint
	case contract.KindNumber:
		return d.Double
	case contract.KindBool:
		return d.Boolean
	}
	return d.Text
}

// convert returns the expression of contract column c of t in the normalised form:
// ids and text as text (integers as their decimal text), times as µs, numbers as
// doubles, flags as booleans; a typed NULL when the column is absent.
func (s *Source) convert(t *Table, cc contract.Column) string {
	d := s.Dialect
	col := t.column(cc.Name)
	if col == nil || col.Name == "" {
		return typedNull(s.sqlType(cc.Kind))
	}
	x := d.quote(col.Name)
	switch cc.Kind {
	case contract.KindID, contract.KindText:
		if col.Type == TypeText {
			return x
		}
		return "CAST(" + x + " AS " + d.Text + ")"
	case contract.KindTime:
		return d.micros(x, col.Type, literal(s.Timezone))
	case contract.KindNumber:
		return "CAST(" + x + " AS " + d.Double + ")"
	}
	return x
}

// tableCTEs writes the CTEs of contract table name: src_ (the columns converted),
// set_ (each row with the SPEC §2 reason it is set aside for, NULL when valid) and
// v_ (the valid rows under the generator's short names). An absent table has a v_
// CTE without rows.
func (s *Source) tableCTEs(b *strings.Builder, name string) {
	d := s.Dialect
	def, _ := contract.LookupTable(name)
	t := s.table(name)
	if t == nil {
		fmt.Fprintf(b, "%s AS (\n  SELECT %s\n  FROM (SELECT 1 AS one) AS none_\n  WHERE 1 = 0\n),\n", validName(name), s.shortColumns(name, nil))
		return
	}
	// src_: every contract column, converted.
	cols := make([]string, len(def.Columns))
	for i, cc := range def.Columns {
		cols[i] = s.convert(t, cc) + " AS " + cc.Name
	}
	fmt.Fprintf(b, "%s AS (\n  SELECT %s\n  FROM %s\n),\n", srcName(name), strings.Join(cols, ",\n    "), s.qualified(t))

	// set_: the first rule that applies (SPEC §2, rules 1 to 5).
	var when []string
	add := func(cond, reason string) { when = append(when, "WHEN "+cond+" THEN "+literal(reason)) }
	for _, cc := range def.Columns { // 1. missing required values, in contract order
		if !cc.Required {
			continue
		}
		cond := cc.Name + " IS NULL"
		if cc.Kind == contract.KindID {
			cond = "(" + cond + " OR " + cc.Name + " = '')"
		}
		add(cond, contract.MissingReason(cc.Name))
	}
	for _, cc := range def.Columns { // 2. timestamps out of range
		if cc.Kind == contract.KindTime && present(t, cc.Name) {
			add(fmt.Sprintf("(%s < %d OR %s >= %d)", cc.Name, contract.MinValidMicros, cc.Name, int64(contract.MaxValidMicros)), contract.ReasonTimestampRange)
		}
	}
	for _, cc := range def.Columns { // 3. numbers not finite
		if cc.Kind == contract.KindNumber && present(t, cc.Name) {
			add(d.nonFinite(cc.Name), contract.ReasonNotFinite)
		}
	}
	if d.invalidUTF8 != nil { // (v2) invalid text
		var conds []string
		for _, cc := range def.Columns {
			if (cc.Kind == contract.KindID || cc.Kind == contract.KindText) && present(t, cc.Name) && t.column(cc.Name).Type == TypeText {
				conds = append(conds, d.invalidUTF8(cc.Name))
			}
		}
		if len(conds) > 0 {
			add("("+strings.Join(conds, " OR ")+")", contract.ReasonInvalidText)
		}
	}
	if name == contract.Surveys { // 4. score out of range
		add(fmt.Sprintf("(%s < %s OR %s > %s)", contract.Score, floatLiteral(s.ScoreMin), contract.Score, floatLiteral(s.ScoreMax)), contract.ReasonScoreRange)
	}
	if name == contract.Offers && present(t, contract.RedeemedAt) { // 5. redeemed before issued
		add(contract.RedeemedAt+" < "+contract.IssuedAt, contract.ReasonRedeemedBefore)
	}
	reason := typedNull(d.Text)
	if len(when) > 0 {
		reason = "CASE " + strings.Join(when, "\n      ") + " END"
	}
	names := def.ColumnNames()
	if def.Key != "" && present(t, def.Key) {
		// 6. duplicate keys among the rows not set aside for 1-5. A warehouse table has
		// no read order: the first row of a key is the first in the order of all the
		// contract columns (SPEC order, ascending, nulls first, text by bytes).
		fmt.Fprintf(b, "chk_%s AS (\n  SELECT %s,\n    %s AS aside\n  FROM %s\n),\n", name, strings.Join(names, ", "), reason, srcName(name))
		var order []string
		for _, cc := range def.Columns {
			x := cc.Name
			if cc.Kind == contract.KindID || cc.Kind == contract.KindText {
				x = d.bytewise(x)
			}
			order = append(order, x+" NULLS FIRST")
		}
		fmt.Fprintf(b, "%s AS (\n  SELECT %s,\n    CASE WHEN aside IS NULL AND %s IS NOT NULL AND ROW_NUMBER() OVER (PARTITION BY %s, aside ORDER BY %s) > 1 THEN %s ELSE aside END AS aside\n  FROM chk_%s\n),\n",
			setName(name), strings.Join(names, ", "), def.Key, def.Key, strings.Join(order, ", "), literal(contract.ReasonDuplicateKey), name)
	} else {
		fmt.Fprintf(b, "%s AS (\n  SELECT %s,\n    %s AS aside\n  FROM %s\n),\n", setName(name), strings.Join(names, ", "), reason, srcName(name))
	}
	fmt.Fprintf(b, "%s AS (\n  SELECT %s\n  FROM %s\n  WHERE aside IS NULL\n),\n", validName(name), s.shortColumns(name, t), setName(name))
}

// present reports whether t has contract column name.
func present(t *Table, name string) bool {
	c := t.column(name)
	return c != nil && c.Name != ""
}

// shortColumns are the columns of v_<name> the queries use: cid, t and per table
// amt, rsn, chan, otype, face, redeemed, expires, score, related, seg, cname. t nil:
// typed NULLs (an absent table).
func (s *Source) shortColumns(name string, t *Table) string {
	d := s.Dialect
	unspecified := func(c string) string {
		return "COALESCE(NULLIF(" + c + ", ''), " + literal(contract.Unspecified) + ")"
	}
	var cols [][2]string // expression, short name
	switch name {
	case contract.Customers:
		cols = [][2]string{{contract.CustomerID, "cid"}, {"NULLIF(" + contract.Segment + ", '')", "seg"}, {contract.Name, "cname"}}
	case contract.Purchases:
		cols = [][2]string{{contract.CustomerID, "cid"}, {contract.PurchasedAt, "t"}, {contract.Amount, "amt"}}
	case contract.Complaints:
		cols = [][2]string{{contract.CustomerID, "cid"}, {contract.ReportedAt, "t"}, {unspecified(contract.Reason), "rsn"}}
	case contract.Departures:
		cols = [][2]string{{contract.CustomerID, "cid"}, {contract.DepartedAt, "t"}, {unspecified(contract.Reason), "rsn"}}
	case contract.Outreach:
		cols = [][2]string{{contract.CustomerID, "cid"}, {contract.ContactedAt, "t"}, {unspecified(contract.Channel), "chan"}}
	case contract.Offers:
		cols = [][2]string{{contract.CustomerID, "cid"}, {contract.IssuedAt, "t"}, {unspecified(contract.OfferType), "otype"},
			{"COALESCE(" + contract.FaceValue + ", 0)", "face"}, {contract.RedeemedAt, "redeemed"}, {contract.ExpiresAt, "expires"}}
	case contract.Surveys:
		related := "COALESCE(" + contract.RecoveryRelated + ", FALSE)"
		if t != nil && !present(t, contract.RecoveryRelated) {
			related = "TRUE" // SPEC §2: "when the column is absent every response counts"
		}
		cols = [][2]string{{contract.CustomerID, "cid"}, {contract.RespondedAt, "t"}, {contract.Score, "score"}, {related, "related"}}
	}
	out := make([]string, len(cols))
	def, _ := contract.LookupTable(name)
	for i, c := range cols {
		if t == nil {
			typ := d.Text
			if cc, ok := def.Column(c[0]); ok {
				typ = s.sqlType(cc.Kind)
			}
			switch c[1] {
			case "face", "amt", "score":
				typ = d.Double
			case "t", "redeemed", "expires":
				typ = d.Bigint
			case "related":
				typ = d.Boolean
			}
			out[i] = typedNull(typ) + " AS " + c[1]
			continue
		}
		out[i] = c[0] + " AS " + c[1]
	}
	return strings.Join(out, ", ")
}

func floatLiteral(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return s
}

// with returns "WITH " and the CTEs of the tables named.
func (s *Source) with(tables ...string) *strings.Builder {
	var b strings.Builder
	b.WriteString("WITH ")
	for _, t := range tables {
		s.tableCTEs(&b, t)
	}
	return &b
}

// finish removes the comma after the last CTE and appends the final query.
func finish(b *strings.Builder, query string) string {
	sql := strings.TrimSuffix(b.String(), ",\n")
	return sql + "\n" + query
}

// QualitySQL returns the data-quality statement: every present table's rows by
// set-aside reason (NULL for the valid rows), and with asOf also what SPEC §3's
// default as_of is decided from (pipeline.AsOfStats), in the same statement so that
// the tables are read once. Columns: kind, tbl, col, n, t, recent, before_:
//   - kind 1: table tbl has n rows set aside for reason col (NULL: valid);
//   - kind 2 (asOf): the latest instant t of the valid rows' column tbl.col;
//   - kind 3 (asOf): n valid purchases, recent of them in the AsOfWindowDays up to
//     the latest instant of all columns, before_ the latest purchase before those.
func (s *Source) QualitySQL(asOf bool) string {
	d := s.Dialect
	var names []string
	for _, t := range s.Tables {
		names = append(names, t.Contract)
	}
	b := s.with(names...)
	row := func(kind int, tbl, col, n, t, recent, before string) string {
		return fmt.Sprintf("SELECT %d AS kind, %s AS tbl, %s AS col, %s AS n, %s AS t, %s AS recent, %s AS before_",
			kind, tbl, col, n, t, recent, before)
	}
	nb, nt := typedNull(d.Bigint), typedNull(d.Text)
	var parts []string
	for _, t := range s.Tables {
		parts = append(parts, row(1, literal(t.Contract), "aside", "COUNT(*)", nb, nb, nb)+" FROM "+setName(t.Contract)+" GROUP BY aside")
	}
	if asOf {
		var latest []string
		for _, tc := range asOfColumns() {
			t := s.table(tc[0])
			if t == nil || !present(t, tc[1]) {
				continue
			}
			latest = append(latest, fmt.Sprintf("SELECT %s AS tbl, %s AS col, MAX(%s) AS t FROM %s WHERE aside IS NULL",
				literal(tc[0]), literal(tc[1]), tc[1], setName(tc[0])))
		}
		fmt.Fprintf(b, "latest AS (\n  %s\n),\nlatest_all AS (\n  SELECT MAX(t) AS t FROM latest\n),\n", strings.Join(latest, "\n  UNION ALL\n  "))
		parts = append(parts, row(2, "tbl", "col", nb, "t", nb, nb)+" FROM latest")
		window := fmt.Sprintf("l.t - %d", int64(pipeline.AsOfWindowDays)*86_400_000_000)
		parts = append(parts, row(3, nt, nt, "COUNT(*)", "MAX(l.t)",
			"COALESCE(SUM(CASE WHEN p.t >= "+window+" THEN 1 ELSE 0 END), 0)",
			"MAX(CASE WHEN p.t < "+window+" THEN p.t END)")+
			" FROM "+validName(contract.Purchases)+" p CROSS JOIN latest_all l")
	}
	return finish(b, strings.Join(parts, "\nUNION ALL\n")+"\nORDER BY kind, tbl, col")
}

// asOfColumns are the columns of SPEC §3's default as_of: every timestamp column of
// every table except expires_at.
func asOfColumns() [][2]string {
	var out [][2]string
	for _, t := range contract.Tables() {
		for _, c := range t.Columns {
			if c.Kind == contract.KindTime && c.Name != contract.ExpiresAt {
				out = append(out, [2]string{t.Name, c.Name})
			}
		}
	}
	return out
}

// QuarantineSQL returns the query of at most limit rows set aside from table, with
// their contract columns converted and their reason, in the order of the reason
// then all the columns.
func (s *Source) QuarantineSQL(table string, limit int) string {
	def, _ := contract.LookupTable(table)
	b := s.with(table)
	var order []string
	for _, cc := range def.Columns {
		x := cc.Name
		if cc.Kind == contract.KindID || cc.Kind == contract.KindText {
			x = s.Dialect.bytewise(x)
		}
		order = append(order, x+" NULLS FIRST")
	}
	return finish(b, fmt.Sprintf("SELECT %s, aside\nFROM %s\nWHERE aside IS NOT NULL\nORDER BY aside, %s\nLIMIT %d",
		strings.Join(def.ColumnNames(), ", "), setName(table), strings.Join(order, ", "), limit))
}

// OffersSQL returns the query of the valid offers issued in [plan.RowsFrom,
// plan.AsOf]: columns t, otype, face, redeemed, expires.
func (s *Source) OffersSQL(p *pipeline.PushdownPlan) string {
	b := s.with(contract.Offers)
	return finish(b, fmt.Sprintf("SELECT t, otype, face, redeemed, expires\nFROM %s\nWHERE t >= %d AND t <= %d\nORDER BY t, %s, face, redeemed, expires",
		validName(contract.Offers), p.RowsFrom, p.AsOf, s.Dialect.bytewise("otype")))
}

// SurveysSQL returns the query of the valid survey responses in [plan.RowsFrom,
// plan.AsOf]: columns t, score, related.
func (s *Source) SurveysSQL(p *pipeline.PushdownPlan) string {
	b := s.with(contract.Surveys)
	return finish(b, fmt.Sprintf("SELECT t, score, related\nFROM %s\nWHERE t >= %d AND t <= %d\nORDER BY t, score, related",
		validName(contract.Surveys), p.RowsFrom, p.AsOf))
}
