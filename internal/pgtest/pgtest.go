// Package pgtest (tests only) loads an extract set written by package generate into
// a PostgreSQL schema, as a warehouse would hold it, for the differential tests of
// `run --warehouse` against `run --input` and the benchmark. Every row is loaded,
// the invalid ones included: the warehouse SQL sets them aside.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/parquet-go/parquet-go"
)

// EnvDSN holds the PostgreSQL DSN of the tests (.ci/run starts a server and sets it);
// EnvRequire makes its absence a failure instead of a skip.
const (
	EnvDSN     = "RECOVERYKPI_TEST_POSTGRES"
	EnvRequire = "RECOVERYKPI_REQUIRE_POSTGRES"
)

// DSN returns the test server's DSN, or skips (fails under EnvRequire) without one.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		msg := EnvDSN + " is not set: no PostgreSQL to test the warehouse source against (.ci/run starts one)"
		if os.Getenv(EnvRequire) != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dsn
}

// Options say how the tables are typed.
type Options struct {
	// WallClock loads every timestamp as TIMESTAMP WITHOUT TIME ZONE holding its
	// wall-clock time in Location (a warehouse that stores local times).
	WallClock bool
	Location  *time.Location
	// IntegerOrderIDs keeps purchases.order_id BIGINT (else TEXT).
	IntegerOrderIDs bool
}

// Customer, Purchase, Complaint, Departure, Outreach, Offer and Survey are the rows
// of the tables as package generate writes them (optional columns as pointers: null
// is nil; times in µs, complaints' in ms).
type Customer struct {
	CustomerID *string `parquet:"customer_id,optional"`
	Segment    *string `parquet:"segment,optional"`
	Name       *string `parquet:"name,optional"`
}

type Purchase struct {
	CustomerID  *string `parquet:"customer_id,optional"`
	PurchasedAt int64   `parquet:"purchased_at,timestamp(microsecond:utc)"`
	Amount      float64 `parquet:"amount"`
	OrderID     int64   `parquet:"order_id"`
}

type Complaint struct {
	CustomerID  *string `parquet:"customer_id,optional"`
	ReportedAt  int64   `parquet:"reported_at,timestamp(millisecond:utc)"` // ms
	Reason      *string `parquet:"reason,optional"`
	ComplaintID *string `parquet:"complaint_id,optional"`
}

type Departure struct {
	CustomerID *string `parquet:"customer_id,optional"`
	DepartedAt *int64  `parquet:"departed_at,optional,timestamp(microsecond:utc)"`
	Reason     *string `parquet:"reason,optional"`
}

type Outreach struct {
	CustomerID  *string `parquet:"customer_id,optional"`
	ContactedAt int64   `parquet:"contacted_at,timestamp(microsecond:utc)"`
	Channel     *string `parquet:"channel,optional"`
}

type Offer struct {
	CustomerID *string `parquet:"customer_id,optional"`
	IssuedAt   int64   `parquet:"issued_at,timestamp(microsecond:utc)"`
	OfferType  *string `parquet:"offer_type,optional"`
	FaceValue  int64   `parquet:"face_value,decimal(2:10)"` // cents
	RedeemedAt *int64  `parquet:"redeemed_at,optional,timestamp(microsecond:utc)"`
	ExpiresAt  int64   `parquet:"expires_at,timestamp(microsecond:utc)"`
	OfferID    *string `parquet:"offer_id,optional"`
}

type Survey struct {
	CustomerID      *string `parquet:"customer_id,optional"`
	RespondedAt     int64   `parquet:"responded_at,timestamp(microsecond:utc)"`
	Score           int32   `parquet:"score"`
	RecoveryRelated *bool   `parquet:"recovery_related,optional"`
	ResponseID      *string `parquet:"response_id,optional"`
}

// Load creates schema (dropping it first) on the server of dsn and loads the extract
// set in dir into it: customers, purchases, complaints, departures, outreach, offers,
// surveys, with their default column names.
func Load(ctx context.Context, dsn, schema, dir string, o Options) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	q := pgx.Identifier{schema}.Sanitize()
	ts := "TIMESTAMPTZ"
	if o.WallClock {
		ts = "TIMESTAMP"
	}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	oid := "TEXT"
	if o.IntegerOrderIDs {
		oid = "BIGINT"
	}
	ddl := []string{
		"DROP SCHEMA IF EXISTS " + q + " CASCADE",
		"CREATE SCHEMA " + q,
		"CREATE TABLE " + q + ".customers (customer_id TEXT, segment TEXT, name TEXT)",
		"CREATE TABLE " + q + ".purchases (customer_id TEXT, purchased_at " + ts + ", amount DOUBLE PRECISION, order_id " + oid + ")",
		"CREATE TABLE " + q + ".complaints (customer_id TEXT, reported_at " + ts + ", reason TEXT, complaint_id TEXT)",
		"CREATE TABLE " + q + ".departures (customer_id TEXT, departed_at " + ts + ", reason TEXT)",
		"CREATE TABLE " + q + ".outreach (customer_id TEXT, contacted_at " + ts + ", channel TEXT)",
		"CREATE TABLE " + q + ".offers (customer_id TEXT, issued_at " + ts + ", offer_type TEXT, face_value NUMERIC(10,2), redeemed_at " + ts + ", expires_at " + ts + ", offer_id TEXT)",
		"CREATE TABLE " + q + ".surveys (customer_id TEXT, responded_at " + ts + ", score INTEGER, recovery_related BOOLEAN, response_id TEXT)",
	}
	for _, s := range ddl {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	// A µs time as the column's value: an instant, or its wall clock in loc.
	tm := func(us int64) any {
		t := time.UnixMicro(us).UTC()
		if o.WallClock {
			l := t.In(loc)
			return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC)
		}
		return t
	}
	opt := func(p *int64) any {
		if p == nil || *p == 0 { // generate writes a null timestamp as 0
			return nil
		}
		return tm(*p)
	}
	s := func(p *string) any {
		if p == nil {
			return nil
		}
		return *p
	}
	err = errors.Join(
		copyTable(ctx, conn, schema, dir, "customers", []string{"customer_id", "segment", "name"}, func(r *Customer) []any {
			return []any{s(r.CustomerID), s(r.Segment), s(r.Name)}
		}),
		copyTable(ctx, conn, schema, dir, "purchases", []string{"customer_id", "purchased_at", "amount", "order_id"}, func(r *Purchase) []any {
			var id any = r.OrderID
			if !o.IntegerOrderIDs {
				id = strconv.FormatInt(r.OrderID, 10)
			}
			return []any{s(r.CustomerID), tm(r.PurchasedAt), r.Amount, id}
		}),
		copyTable(ctx, conn, schema, dir, "complaints", []string{"customer_id", "reported_at", "reason", "complaint_id"}, func(r *Complaint) []any {
			return []any{s(r.CustomerID), tm(r.ReportedAt * 1000), s(r.Reason), s(r.ComplaintID)}
		}),
		copyTable(ctx, conn, schema, dir, "departures", []string{"customer_id", "departed_at", "reason"}, func(r *Departure) []any {
			return []any{s(r.CustomerID), opt(r.DepartedAt), s(r.Reason)}
		}),
		copyTable(ctx, conn, schema, dir, "outreach", []string{"customer_id", "contacted_at", "channel"}, func(r *Outreach) []any {
			return []any{s(r.CustomerID), tm(r.ContactedAt), s(r.Channel)}
		}),
		copyTable(ctx, conn, schema, dir, "offers", []string{"customer_id", "issued_at", "offer_type", "face_value", "redeemed_at", "expires_at", "offer_id"}, func(r *Offer) []any {
			face := pgtype.Numeric{Int: big.NewInt(r.FaceValue), Exp: -2, Valid: true}
			return []any{s(r.CustomerID), tm(r.IssuedAt), s(r.OfferType), face, opt(r.RedeemedAt), tm(r.ExpiresAt), s(r.OfferID)}
		}),
		copyTable(ctx, conn, schema, dir, "surveys", []string{"customer_id", "responded_at", "score", "recovery_related", "response_id"}, func(r *Survey) []any {
			var rel any
			if r.RecoveryRelated != nil {
				rel = *r.RecoveryRelated
			}
			return []any{s(r.CustomerID), tm(r.RespondedAt), r.Score, rel, s(r.ResponseID)}
		}),
	)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, "ANALYZE")
	return err
}

// tablePaths returns the Parquet files of table in dir: table.parquet, or the part
// files under table/ in path order.
func tablePaths(dir, table string) ([]string, error) {
	if _, err := os.Stat(filepath.Join(dir, table+".parquet")); err == nil {
		return []string{filepath.Join(dir, table+".parquet")}, nil
	}
	var paths []string
	err := filepath.WalkDir(filepath.Join(dir, table), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			paths = append(paths, p)
		}
		return err
	})
	slices.Sort(paths)
	return paths, err
}

// read reads every row of table in dir.
func read[T any](dir, table string) ([]T, error) {
	paths, err := tablePaths(dir, table)
	if err != nil {
		return nil, err
	}
	var out []T
	for _, p := range paths {
		rows, err := parquet.ReadFile[T](p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		out = append(out, rows...)
	}
	return out, nil
}

// copyTable copies table's rows from its files in dir into schema.table with COPY,
// streaming: a batch of rows in memory at a time, whatever the table's size.
func copyTable[T any](ctx context.Context, conn *pgx.Conn, schema, dir, table string, cols []string, row func(*T) []any) error {
	paths, err := tablePaths(dir, table)
	if err != nil {
		return err
	}
	src := &streamSource[T]{paths: paths, row: row, buf: make([]T, 8192)}
	defer src.close()
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{schema, table}, cols, src); err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	return nil
}

// streamSource is a pgx.CopyFromSource over Parquet files, a batch at a time.
type streamSource[T any] struct {
	paths []string
	f     *os.File
	r     *parquet.GenericReader[T]
	buf   []T
	n, i  int
	row   func(*T) []any
	cur   []any
	err   error
}

func (s *streamSource[T]) Next() bool {
	for s.i >= s.n {
		if s.r == nil {
			if len(s.paths) == 0 {
				return false
			}
			f, err := os.Open(s.paths[0])
			if err != nil {
				s.err = err
				return false
			}
			s.paths, s.f, s.r = s.paths[1:], f, parquet.NewGenericReader[T](f)
		}
		n, err := s.r.Read(s.buf)
		s.n, s.i = n, 0
		if err != nil {
			if !errors.Is(err, io.EOF) {
				s.err = fmt.Errorf("read %s: %w", s.f.Name(), err)
				return false
			}
			s.close()
		}
	}
	s.cur = s.row(&s.buf[s.i])
	s.i++
	return true
}

func (s *streamSource[T]) Values() ([]any, error) { return s.cur, nil }
func (s *streamSource[T]) Err() error             { return s.err }

func (s *streamSource[T]) close() {
	if s.r != nil {
		s.r.Close()
		s.f.Close()
		s.r, s.f = nil, nil
	}
}

// Tables are the rows of an extract set.
type Tables struct {
	Customers  []Customer
	Purchases  []Purchase
	Complaints []Complaint
	Departures []Departure
	Outreach   []Outreach
	Offers     []Offer
	Surveys    []Survey
}

// Write writes t to dir, one file per table.
func Write(dir string, t Tables) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return errors.Join(
		parquet.WriteFile(filepath.Join(dir, "customers.parquet"), t.Customers),
		parquet.WriteFile(filepath.Join(dir, "purchases.parquet"), t.Purchases),
		parquet.WriteFile(filepath.Join(dir, "complaints.parquet"), t.Complaints),
		parquet.WriteFile(filepath.Join(dir, "departures.parquet"), t.Departures),
		parquet.WriteFile(filepath.Join(dir, "outreach.parquet"), t.Outreach),
		parquet.WriteFile(filepath.Join(dir, "offers.parquet"), t.Offers),
		parquet.WriteFile(filepath.Join(dir, "surveys.parquet"), t.Surveys),
	)
}

// Coarsen writes the extract set in dir to out (one file per table) with every
// timestamp truncated to a multiple of unit (µs since the epoch, floored): with
// unit a day, complaints, departures, lapses, offers and purchases fall on the same
// instants and exactly on the window bounds d - R, d + W and r + I, so every tie and
// bound of SPEC §4 is exercised.
func Coarsen(dir, out string, unit int64) error {
	floor := func(t int64) int64 {
		q := t / unit
		if t%unit != 0 && t < 0 {
			q--
		}
		return q * unit
	}
	opt := func(p *int64) {
		if p != nil && *p != 0 {
			*p = floor(*p)
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	customers, err := read[Customer](dir, "customers")
	if err != nil {
		return err
	}
	purchases, err := read[Purchase](dir, "purchases")
	if err != nil {
		return err
	}
	for i := range purchases {
		purchases[i].PurchasedAt = floor(purchases[i].PurchasedAt)
	}
	complaints, err := read[Complaint](dir, "complaints")
	if err != nil {
		return err
	}
	for i := range complaints {
		complaints[i].ReportedAt = floor(complaints[i].ReportedAt*1000) / 1000
	}
	departures, err := read[Departure](dir, "departures")
	if err != nil {
		return err
	}
	for i := range departures {
		opt(departures[i].DepartedAt)
	}
	outreach, err := read[Outreach](dir, "outreach")
	if err != nil {
		return err
	}
	for i := range outreach {
		outreach[i].ContactedAt = floor(outreach[i].ContactedAt)
	}
	offers, err := read[Offer](dir, "offers")
	if err != nil {
		return err
	}
	for i := range offers {
		o := &offers[i]
		o.IssuedAt, o.ExpiresAt = floor(o.IssuedAt), floor(o.ExpiresAt)
		opt(o.RedeemedAt)
	}
	surveys, err := read[Survey](dir, "surveys")
	if err != nil {
		return err
	}
	for i := range surveys {
		surveys[i].RespondedAt = floor(surveys[i].RespondedAt)
	}
	return Write(out, Tables{customers, purchases, complaints, departures, outreach, offers, surveys})
}
