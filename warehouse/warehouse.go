// Package warehouse lets a SQL warehouse do the per-customer and per-episode work of
// SPEC §4: it checks the warehouse tables against the contract (Describe), writes the
// SQL of the set-aside rules, the data-quality counts, the default as_of and the
// per-customer results for one dialect (sql.go, customers.go, dialect.go), runs it
// through a Querier (package warehouse/postgres for PostgreSQL) and streams the
// results into a pipeline.PushdownPlan, which aggregates and assembles the scorecard
// as the in-memory engine does. Memory here is bounded by the customers with an
// episode, never by the purchases.
package warehouse

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

// ErrSchema marks warehouse tables that do not meet the contract (a missing table or
// column, a type outside SPEC §2): the extract is unusable (exit status 3).
var ErrSchema = errors.New("unusable warehouse tables")

// Querier runs SQL on a warehouse. Query calls fn once per row; scan reads the row's
// columns into pointers (*int64, *float64, *string, *bool, or pointers to pointers of
// them for nullable columns).
type Querier interface {
	Query(ctx context.Context, sql string, fn func(scan func(dest ...any) error) error) error
	// Columns returns the columns of a table and their SQL type names, in table
	// order; none when the table does not exist.
	Columns(ctx context.Context, schema, table string) ([]ColumnInfo, error)
}

// ColumnInfo is a warehouse column and its type name as the warehouse spells it.
type ColumnInfo struct{ Name, Type string }

// Mapping says where each contract table is: its warehouse table name and its
// column names, when they differ from the contract's.
type Mapping struct {
	Schema  string
	Tables  map[string]string            // contract table -> warehouse table
	Columns map[string]map[string]string // contract table -> contract column -> warehouse column
}

// Describe checks the warehouse tables against the contract and returns the Source
// the SQL is generated from. purchases is required; another absent table is no
// data. A missing required column, or a type outside SPEC §2, is an error naming the
// table, the column and the type.
func Describe(ctx context.Context, q Querier, d *Dialect, m Mapping, tz string, scoreMin, scoreMax float64) (*Source, error) {
	src := &Source{Dialect: d, Schema: m.Schema, Timezone: tz, ScoreMin: scoreMin, ScoreMax: scoreMax}
	var errs []error
	for _, def := range contract.Tables() {
		name := def.Name
		if n := m.Tables[def.Name]; n != "" {
			name = n
		}
		cols, err := q.Columns(ctx, m.Schema, name)
		if err != nil {
			return nil, fmt.Errorf("warehouse table %s (%s): %w", def.Name, qualifiedName(m.Schema, name), err)
		}
		if len(cols) == 0 {
			if def.Required {
				errs = append(errs, fmt.Errorf("%w: table %s: %s does not exist in the warehouse", ErrSchema, def.Name, qualifiedName(m.Schema, name)))
			}
			continue
		}
		t := Table{Contract: def.Name, Name: name}
		for _, cc := range def.Columns {
			want := cc.Name
			if n := m.Columns[def.Name][cc.Name]; n != "" {
				want = n
			}
			col, err := findColumn(cols, want)
			if err != nil {
				errs = append(errs, fmt.Errorf("%w: table %s (%s): column %s: %v", ErrSchema, def.Name, qualifiedName(m.Schema, name), cc.Name, err))
				continue
			}
			if col == nil {
				if cc.Required {
					errs = append(errs, fmt.Errorf("%w: table %s (%s): required column %s is missing (columns: %s)",
						ErrSchema, def.Name, qualifiedName(m.Schema, name), want, columnList(cols)))
				}
				t.Columns = append(t.Columns, Column{Contract: cc.Name})
				continue
			}
			typ := Classify(d, col.Type)
			if !accepts(cc.Kind, typ) {
				errs = append(errs, fmt.Errorf("%w: table %s (%s): column %s has type %s, which is not accepted for %s (SPEC §2)",
					ErrSchema, def.Name, qualifiedName(m.Schema, name), col.Name, col.Type, cc.Kind))
				continue
			}
			t.Columns = append(t.Columns, Column{Contract: cc.Name, Name: col.Name, Type: typ})
		}
		src.Tables = append(src.Tables, t)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return src, nil
}

func qualifiedName(schema, table string) string {
	if schema == "" {
		return table
	}
	return schema + "." + table
}

func columnList(cols []ColumnInfo) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
	}
	return strings.Join(names, ", ")
}

// findColumn returns the column called name, or the only one whose name matches
// when case is ignored (warehouses fold unquoted names); nil when none.
func findColumn(cols []ColumnInfo, name string) (*ColumnInfo, error) {
	var fold []*ColumnInfo
	for i := range cols {
		if cols[i].Name == name {
			return &cols[i], nil
		}
		if strings.EqualFold(cols[i].Name, name) {
			fold = append(fold, &cols[i])
		}
	}
	switch len(fold) {
	case 0:
		return nil, nil
	case 1:
		return fold[0], nil
	}
	return nil, fmt.Errorf("two columns match %s when case is ignored: %s and %s", name, fold[0].Name, fold[1].Name)
}

// Classify returns the class of a SQL type name as PostgreSQL, DuckDB, Trino, Spark,
// BigQuery or Snowflake spell it.
func Classify(d *Dialect, typ string) Type {
	t := strings.ToLower(strings.TrimSpace(typ))
	if i := strings.IndexByte(t, '('); i >= 0 && !strings.HasPrefix(t, "timestamp") {
		t = strings.TrimSpace(t[:i])
	}
	switch {
	case t == "timestamp with time zone" || t == "timestamptz" || t == "timestamp_tz" || t == "timestamp_ltz" ||
		(strings.HasPrefix(t, "timestamp(") && strings.HasSuffix(t, "with time zone")) || (t == "timestamp" && d.timestampIsInstant):
		return TypeInstant
	case t == "timestamp without time zone" || t == "timestamp_ntz" || t == "datetime" || strings.HasPrefix(t, "timestamp(") || t == "timestamp":
		return TypeWallClock
	case t == "date":
		return TypeDate
	case slices.Contains([]string{"smallint", "integer", "int", "bigint", "tinyint", "int2", "int4", "int8", "int64", "hugeint", "byteint", "long", "short", "byte"}, t):
		return TypeInteger
	case slices.Contains([]string{"double precision", "double", "real", "float", "float4", "float8", "float64"}, t):
		return TypeFloat
	case slices.Contains([]string{"numeric", "decimal", "number", "bignumeric"}, t):
		return TypeDecimal
	case slices.Contains([]string{"text", "character varying", "varchar", "character", "char", "string", "bpchar"}, t):
		return TypeText
	case t == "boolean" || t == "bool":
		return TypeBool
	case t == "uuid":
		return TypeUUID
	}
	return TypeUnknown
}

// accepts reports whether a contract column of kind k may have type t (SPEC §2).
func accepts(k contract.Kind, t Type) bool {
	switch k {
	case contract.KindID:
		return t == TypeText || t == TypeInteger || t == TypeUUID
	case contract.KindTime:
		return t == TypeInstant || t == TypeWallClock || t == TypeDate
	case contract.KindNumber:
		return t == TypeFloat || t == TypeDecimal || t == TypeInteger
	case contract.KindText:
		return t == TypeText
	case contract.KindBool:
		return t == TypeBool
	}
	return false
}

// Present returns the contract names of the tables present.
func (s *Source) Present() []string {
	var out []string
	for _, t := range s.Tables {
		out = append(out, t.Contract)
	}
	return out
}

// Statement is one query sent, for the manifest: its role, the SHA-256 of its exact
// text and the rows it returned.
type Statement struct {
	Role   string
	SHA256 string
	Rows   int64
	SQL    string `json:"-"`
}

// Roles of the statements a computation sends, in the order sent.
const (
	RoleQuality = "quality"
	// RoleQualityAsOf is the quality statement that also finds the default as_of.
	RoleQualityAsOf = "quality_as_of"
	RoleOffers      = "offers"
	RoleSurveys     = "surveys"
	RoleCustomers   = "customers"
)

// Run is what a warehouse computation sent and got.
type Run struct {
	Statements []Statement
	// TableQuality are the data-quality counts of each present table (Quality).
	TableQuality []pipeline.TableQuality
	AsOf         int64
	asOf         *pipeline.AsOfStats // what the default as_of is decided from (Quality with asOf)
}

// query runs sql through q, recording it as role.
func (r *Run) query(ctx context.Context, q Querier, role, sql string, fn func(scan func(dest ...any) error) error) error {
	st := Statement{Role: role, SQL: sql}
	sum := sha256.Sum256([]byte(sql))
	st.SHA256 = hex.EncodeToString(sum[:])
	err := q.Query(ctx, sql, func(scan func(dest ...any) error) error {
		st.Rows++
		return fn(scan)
	})
	r.Statements = append(r.Statements, st)
	if err != nil {
		return fmt.Errorf("warehouse query %s: %w", role, err)
	}
	return nil
}

// Quality runs the data-quality statement: each present table's rows read and set
// aside by reason (SPEC §2), in contract order (r.TableQuality), and with asOf what
// the default as_of is decided from (r.DefaultAsOf).
func (r *Run) Quality(ctx context.Context, q Querier, s *Source, asOf bool) error {
	byTable := map[string]*pipeline.TableQuality{}
	for _, t := range s.Tables {
		byTable[t.Contract] = &pipeline.TableQuality{Table: t.Contract}
	}
	role := RoleQuality
	if asOf {
		role = RoleQualityAsOf
	}
	st := pipeline.AsOfStats{Latest: math.MinInt64, Before: math.MinInt64}
	err := r.query(ctx, q, role, s.QualitySQL(asOf), func(scan func(...any) error) error {
		var kind int64
		var tbl, col *string
		var n, t, recent, before *int64
		if err := scan(&kind, &tbl, &col, &n, &t, &recent, &before); err != nil {
			return err
		}
		switch kind {
		case 1:
			tq := byTable[str(tbl)]
			if tq == nil {
				return fmt.Errorf("unexpected table %q", str(tbl))
			}
			tq.RowsRead += val(n)
			if col != nil {
				tq.RowsSetAside += val(n)
				tq.ByReason = append(tq.ByReason, contract.ReasonCount{Reason: *col, Rows: val(n)})
			}
		case 2:
			// The first column in contract order holding the latest instant names it.
			if t != nil && *t > st.Latest {
				st.Latest, st.Table, st.Column = *t, str(tbl), str(col)
			}
		case 3:
			st.Purchases, st.Recent = val(n), val(recent)
			if before != nil {
				st.Before = *before
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, t := range s.Tables {
		tq := byTable[t.Contract]
		slices.SortFunc(tq.ByReason, func(a, b contract.ReasonCount) int { return strings.Compare(a.Reason, b.Reason) })
		r.TableQuality = append(r.TableQuality, *tq)
	}
	if asOf {
		r.asOf = &st
	}
	return nil
}

// Fork returns a Run that starts with r's statements and counts: one quarter's
// computation after a shared Quality.
func (r *Run) Fork() *Run {
	return &Run{Statements: slices.Clone(r.Statements), TableQuality: r.TableQuality, asOf: r.asOf}
}

// DefaultAsOf returns SPEC §3's default as_of from the statement of Quality(asOf).
func (r *Run) DefaultAsOf() (int64, error) {
	if r.asOf == nil {
		return 0, errors.New("internal: the default as_of was not asked of the warehouse")
	}
	return r.asOf.AsOf()
}

// Scorecard computes the scorecard of settings s after Quality: as_of (s.AsOf, else
// SPEC §3's default from the warehouse), the per-customer query streamed into a
// pushdown plan, the offers and surveys of the trend.
func (run *Run) Scorecard(ctx context.Context, q Querier, src *Source, s pipeline.Settings) (*pipeline.Scorecard, error) {
	var asOf int64
	if s.AsOf != nil {
		asOf = s.AsOf.UnixMicro()
	} else {
		var err error
		if asOf, err = run.DefaultAsOf(); err != nil {
			return nil, err
		}
	}
	run.AsOf = asOf
	plan, err := pipeline.PlanPushdown(s, asOf, src.Present())
	if err != nil {
		return nil, err
	}
	if src.table(contract.Offers) != nil {
		err := run.query(ctx, q, RoleOffers, src.OffersSQL(plan), func(scan func(...any) error) error {
			var t int64
			var otype string
			var face float64
			var redeemed, expires *int64
			if err := scan(&t, &otype, &face, &redeemed, &expires); err != nil {
				return err
			}
			plan.AddOffer(t, otype, face, redeemed, expires)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if src.table(contract.Surveys) != nil {
		err := run.query(ctx, q, RoleSurveys, src.SurveysSQL(plan), func(scan func(...any) error) error {
			var t int64
			var score float64
			var related bool
			if err := scan(&t, &score, &related); err != nil {
				return err
			}
			plan.AddSurvey(t, score, related)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if err := run.customers(ctx, q, src, plan); err != nil {
		return nil, err
	}
	sc, err := plan.Scorecard(ctx)
	if err != nil {
		return nil, err
	}
	sc.DataQuality = run.TableQuality
	return sc, nil
}

// resultRow is one row of the per-customer query (resultColumns).
type resultRow struct {
	rk                 int64
	cid                string
	e, q, d, r, kind   *int64
	rsn, otype, nxRsn  *string
	rar, rcv, net      *float64
	outreach, nxT      *int64
	nxKind, np, nc     *int64
	seg, cname, chanel *string
}

// customers streams the per-customer query into plan, one customer at a time.
func (r *Run) customers(ctx context.Context, q Querier, src *Source, plan *pipeline.PushdownPlan) error {
	var rec pipeline.CustomerRecord
	started := false
	flush := func() error {
		if !started {
			return nil
		}
		return plan.Add(&rec)
	}
	var x resultRow
	err := r.query(ctx, q, RoleCustomers, src.CustomersSQL(plan), func(scan func(...any) error) error {
		if err := scan(&x.rk, &x.cid, &x.e, &x.q, &x.d, &x.kind, &x.rsn, &x.r, &x.rar, &x.rcv, &x.otype, &x.outreach,
			&x.nxT, &x.nxKind, &x.nxRsn, &x.np, &x.net, &x.nc, &x.seg, &x.cname, &x.chanel); err != nil {
			return err
		}
		if !started || x.cid != rec.ID {
			if err := flush(); err != nil {
				return err
			}
			started = true
			rec = pipeline.CustomerRecord{ID: x.cid, Episodes: rec.Episodes[:0], Departures: rec.Departures[:0], Channels: rec.Channels[:0]}
		}
		switch x.rk {
		case rowCustomer:
			rec.Segment = str(x.seg)
			if x.cname != nil {
				n := *x.cname
				rec.Name = &n
			}
		case rowEpisode:
			ep := pipeline.EpisodeRecord{Evaluation: int(val(x.e)), Quarter: int(val(x.q)), At: val(x.d), Kind: int(val(x.kind)), Reason: str(x.rsn),
				RevenueAtRisk: fval(x.rar), RecoveredRevenue: fval(x.rcv), Outreach: val(x.outreach) == 1,
				PurchasesSince: val(x.np), NetSince: fval(x.net), ComplaintsSince: val(x.nc)}
			if x.r != nil {
				ep.Recovered, ep.RecoveredAt = true, *x.r
			}
			if x.otype != nil {
				ep.OfferTreated, ep.OfferType = true, *x.otype
			}
			if x.nxT != nil {
				ep.HasNext, ep.NextAt, ep.NextKind, ep.NextReason = true, *x.nxT, int(val(x.nxKind)), str(x.nxRsn)
			}
			rec.Episodes = append(rec.Episodes, ep)
		case rowDeparture:
			rec.Departures = append(rec.Departures, pipeline.DepartureRecord{Evaluation: int(val(x.e)), Quarter: int(val(x.q)), RevenueAtRisk: fval(x.rar)})
		case rowChannel:
			rec.Channels = append(rec.Channels, str(x.chanel))
		default:
			return fmt.Errorf("unexpected row kind %d", x.rk)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return fmt.Errorf("warehouse query customers: %w", err)
	}
	return nil
}

func val(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func fval(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// QuarantineLimit bounds the rows set aside that a table's quarantine holds: the
// counts (Quality) are always complete.
const QuarantineLimit = 100_000

// SetAside are rows of one table set aside by the warehouse SQL, with their contract
// columns converted (ids and text as text, times as µs, numbers as doubles), in the
// order of the reason then every column; it is the quarantine writer's Rows.
type SetAside struct {
	Table   string // the warehouse table, schema-qualified: each row's "source file"
	Columns []Column
	Kinds   []contract.Kind
	rows    [][]any
	reasons []string
}

// Quarantine fetches at most limit rows set aside from table (present in s).
func (r *Run) Quarantine(ctx context.Context, q Querier, s *Source, table string, limit int) (*SetAside, error) {
	t := s.table(table)
	def, _ := contract.LookupTable(table)
	sa := &SetAside{Table: qualifiedName(s.Schema, t.Name), Columns: t.Columns}
	for _, c := range def.Columns {
		sa.Kinds = append(sa.Kinds, c.Kind)
	}
	err := r.query(ctx, q, "quarantine_"+table, s.QuarantineSQL(table, limit), func(scan func(...any) error) error {
		dest := make([]any, len(def.Columns)+1)
		for j, k := range sa.Kinds {
			switch k {
			case contract.KindTime:
				dest[j] = new(*int64)
			case contract.KindNumber:
				dest[j] = new(*float64)
			case contract.KindBool:
				dest[j] = new(*bool)
			default:
				dest[j] = new(*string)
			}
		}
		var reason string
		dest[len(def.Columns)] = &reason
		if err := scan(dest...); err != nil {
			return err
		}
		sa.rows = append(sa.rows, dest[:len(def.Columns)])
		sa.reasons = append(sa.reasons, reason)
		return nil
	})
	return sa, err
}

func (s *SetAside) Len() int                         { return len(s.rows) }
func (s *SetAside) Reason(i int) string              { return s.reasons[i] }
func (s *SetAside) SourceFile(i int) (string, int64) { return s.Table, int64(i) }
func (s *SetAside) Text(j, i int) string             { return **s.rows[i][j].(**string) }
func (s *SetAside) Micros(j, i int) int64            { return **s.rows[i][j].(**int64) }
func (s *SetAside) Number(j, i int) float64          { return **s.rows[i][j].(**float64) }
func (s *SetAside) Bool(j, i int) bool               { return **s.rows[i][j].(**bool) }
func (s *SetAside) Valid(j, i int) bool {
	switch v := s.rows[i][j].(type) {
	case **string:
		return *v != nil
	case **int64:
		return *v != nil
	case **float64:
		return *v != nil
	case **bool:
		return *v != nil
	}
	return false
}
