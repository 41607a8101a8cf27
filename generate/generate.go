// Package generate writes a seeded, deterministic, realistic synthetic extract
// set: the seven tables of SPEC §2 (customers, purchases, complaints,
// departures, outreach, offers, surveys) as Parquet files with the default
// table and column names.
//
// The data tells a customer-recovery story that a quarterly scorecard can
// show. Each customer has a segment, a purchase rhythm and an order value.
// Some complain after a purchase; a complaint suppresses buying unless the
// customer is won back; some give notice (a departure row) and some simply
// stop buying, which the program detects as a lapse after 180 days without a
// qualifying purchase. The company reacts to complaints, departures and lapses
// with outreach (phone, email, visit) and recovery offers (discount, voucher,
// free shipping, upgrade) within days; treated customers come back within the
// 90-day recovery window more often than untreated ones, with differences by
// reason and segment and a mild improvement over time. Offers are redeemed by
// the win-back purchase or expire; surveys are answered after recoveries
// (recovery_related true) and after ordinary purchases.
//
// Layout under the output folder:
//
//	customers.parquet
//	purchases/year=YYYY/part-NNNNN.parquet   (at most Options.PartRows rows each)
//	complaints.parquet
//	departures.parquet
//	outreach.parquet
//	offers.parquet
//	surveys.parquet
//
// Every timestamp is at or before Options.End, except offers.expires_at,
// which may lie in the future for offers still open. About 3% of purchases
// are refunds (negative amounts) and a few are zero-amount replacement orders.
// A tiny share of invalid rows (under 0.1% of any table, none in a table with
// fewer than 1,000 valid rows) exercises the data-quality rules: duplicate
// keys, null ids, a NaN amount, timestamps before 1970, a null departure
// time, offers redeemed before issue and survey scores outside 1..5. They are
// extra rows, so the valid rows tell the story unchanged.
//
// Customers are simulated one after another, each from its own PCG stream
// derived from Options.Seed, and rows are streamed into parquet-go writers, so
// memory stays bounded whatever the number of customers and the same Options
// always give byte-identical files.
package generate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Options configure Write. Zero values take the defaults.
type Options struct {
	Customers int       // number of customers; default 2000
	Seed      int64     // random seed; default 1 (0 means 1)
	End       time.Time // the latest instant in the data; default 2026-11-15T18:00:00Z; data spans about 3 years before it
	PartRows  int       // max rows per purchases part file; default 1,000,000
}

// Summary lists the rows (invalid rows included) and files written per table.
type Summary struct {
	Tables []TableCount
}

// TableCount is one table's row and file count.
type TableCount struct {
	Table string
	Rows  int64
	Files int
}

// DefaultEnd is the default Options.End.
var DefaultEnd = time.Date(2026, 11, 15, 18, 0, 0, 0, time.UTC)

const (
	defaultCustomers = 2000
	defaultPartRows  = 1_000_000
	spanDays         = 1096 // about three years
)

// Tables in the order the Summary lists them.
var tableNames = []string{"customers", "purchases", "complaints", "departures", "outreach", "offers", "surveys"}

func (o Options) withDefaults() Options {
	if o.Customers <= 0 {
		o.Customers = defaultCustomers
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.End.IsZero() {
		o.End = DefaultEnd
	}
	if o.PartRows <= 0 {
		o.PartRows = defaultPartRows
	}
	return o
}

// Write writes the extract set under dir (created if needed) and returns a
// summary (rows per table). Same options give byte-identical files. It refuses
// to overwrite: no table file or folder may exist in dir yet.
func Write(ctx context.Context, dir string, opts Options) (Summary, error) {
	opts = opts.withDefaults()
	end := opts.End.UTC().Truncate(time.Second).UnixMicro()
	start := end - spanDays*day
	if start < 0 {
		return Summary{}, fmt.Errorf("generate: End %s is too early", opts.End.Format(time.RFC3339))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Summary{}, fmt.Errorf("generate: %w", err)
	}
	for _, t := range tableNames {
		for _, p := range []string{filepath.Join(dir, t+".parquet"), filepath.Join(dir, t)} {
			if _, err := os.Stat(p); err == nil {
				return Summary{}, fmt.Errorf("generate: %s already exists; choose an empty output folder", p)
			} else if !errors.Is(err, fs.ErrNotExist) {
				return Summary{}, fmt.Errorf("generate: %w", err)
			}
		}
	}

	out := newOutputs(dir, uint64(opts.Seed), end, int64(opts.PartRows))
	w := &world{start: start, end: end, out: out, orderSeq: 10_000_000}
	err := func() error {
		for i := 0; i < opts.Customers; i++ {
			if i%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			c, name := w.newCustomer(uint64(opts.Seed), i)
			if err := w.simulate(c, name, i == 0); err != nil {
				return err
			}
			if out.err != nil {
				return out.err
			}
		}
		return out.close()
	}()
	if err != nil {
		out.abort()
		return Summary{}, fmt.Errorf("generate: %w", err)
	}
	return out.summary(), nil
}

// gapScale calibrates the purchase rhythm to about 21.7 purchase rows per
// customer over the three years.
const gapScale = 1.25

func (w *world) newCustomer(seed uint64, i int) (*cust, string) {
	r := newRNG(seed, uint64(i)+1)
	c := &cust{w: w, r: r, id: padID("C", int64(i)+1, 7)}
	c.seg = r.pick(segmentWeights)
	var name string
	switch {
	case c.seg == segConsumer, c.seg == segUnassigned && r.chance(0.6):
		name = personName(r)
	default:
		name = companyName(r)
	}
	c.gap = min(max(r.lognormal(segGap[c.seg]*gapScale, 0.45), 4), 110)
	c.value = r.lognormal(segValue[c.seg], 0.5)
	c.pCompl = min(0.021*r.lognormal(1, 0.7), 0.2)
	c.pChurn = 0.0085 * segChurn[c.seg] * r.lognormal(1, 0.5)
	c.pDepart = 0.0022 * r.lognormal(1, 0.5)
	return c, name
}

func padID(prefix string, n int64, width int) string {
	s := strconv.FormatInt(n, 10)
	for len(s) < width {
		s = "0" + s
	}
	return prefix + s
}

// outputs owns the writers of all tables.
type outputs struct {
	dir      string
	end      int64
	partRows int64
	err      error // first error raised where it could not be returned

	customers  *fileWriter[customerRow]
	purchases  map[int]*fileWriter[purchaseRow] // by year
	years      []int                            // years opened, in order of opening
	complaints *fileWriter[complaintRow]
	departures *fileWriter[departureRow]
	outreachW  *fileWriter[outreachRow]
	offers     *fileWriter[offerRow]
	surveys    *fileWriter[surveyRow]

	tCustomers  table[customerRow]
	tPurchases  table[purchaseRow]
	tComplaints table[complaintRow]
	tDepartures table[departureRow]
	tOutreach   table[outreachRow]
	tOffers     table[offerRow]
	tSurveys    table[surveyRow]

	complaintSeq, offerSeq, responseSeq int64
	badSeq                              int64
}

const (
	usBefore1970 = int64(-2208988800) * second // 1900-01-01T00:00:00Z
)

func newOutputs(dir string, seed uint64, end, partRows int64) *outputs {
	o := &outputs{
		dir: dir, end: end, partRows: partRows,
		customers:  newFileWriter[customerRow](filepath.Join(dir, "customers.parquet")),
		purchases:  map[int]*fileWriter[purchaseRow]{},
		complaints: newFileWriter[complaintRow](filepath.Join(dir, "complaints.parquet")),
		departures: newFileWriter[departureRow](filepath.Join(dir, "departures.parquet")),
		outreachW:  newFileWriter[outreachRow](filepath.Join(dir, "outreach.parquet")),
		offers:     newFileWriter[offerRow](filepath.Join(dir, "offers.parquet")),
		surveys:    newFileWriter[surveyRow](filepath.Join(dir, "surveys.parquet")),
	}
	o.tCustomers.init("customers", seed, func(r customerRow, k int, _ *rng) customerRow {
		if k%2 == 0 { // the same customer loaded twice
			return r
		}
		r.CustomerID = ""
		return r
	})
	o.tPurchases.init("purchases", seed, func(r purchaseRow, k int, _ *rng) purchaseRow {
		switch k % 4 {
		case 0: // the same order loaded twice
		case 1:
			r.CustomerID = ""
			r.OrderID = o.nextBad()
		case 2:
			r.Amount = math.NaN()
			r.OrderID = o.nextBad()
		case 3:
			r.PurchasedAt = usBefore1970
			r.OrderID = o.nextBad()
		}
		return r
	})
	o.tComplaints.init("complaints", seed, func(r complaintRow, k int, _ *rng) complaintRow {
		switch k % 3 {
		case 0:
		case 1:
			r.CustomerID = ""
			r.ComplaintID = padID("CPX", o.nextBad(), 6)
		case 2:
			r.ReportedAt = -86400 * 1000 // 1969-12-31
			r.ComplaintID = padID("CPX", o.nextBad(), 6)
		}
		return r
	})
	o.tDepartures.init("departures", seed, func(r departureRow, k int, _ *rng) departureRow {
		if k%2 == 0 {
			r.CustomerID = ""
		} else {
			r.DepartedAt = 0 // null
		}
		return r
	})
	o.tOutreach.init("outreach", seed, func(r outreachRow, k int, _ *rng) outreachRow {
		if k%2 == 0 {
			r.CustomerID = ""
		} else {
			r.ContactedAt = usBefore1970
		}
		return r
	})
	o.tOffers.init("offers", seed, func(r offerRow, k int, _ *rng) offerRow {
		switch k % 3 {
		case 0:
			r.RedeemedAt = r.IssuedAt - 3*day
			r.OfferID = padID("OFX", o.nextBad(), 6)
		case 1:
		case 2:
			r.CustomerID = ""
			r.OfferID = padID("OFX", o.nextBad(), 6)
		}
		return r
	})
	o.tSurveys.init("surveys", seed, func(r surveyRow, k int, _ *rng) surveyRow {
		switch k % 4 {
		case 0:
			r.Score = 7
			r.ResponseID = padID("SRX", o.nextBad(), 6)
		case 1:
		case 2:
			r.Score = 0
			r.ResponseID = padID("SRX", o.nextBad(), 6)
		case 3:
			r.CustomerID = ""
			r.ResponseID = padID("SRX", o.nextBad(), 6)
		}
		return r
	})
	return o
}

// keep records the first error raised where it cannot be returned.
func (o *outputs) keep(err error) {
	if o.err == nil {
		o.err = err
	}
}

func (o *outputs) nextBad() int64 {
	o.badSeq++
	return 900_000_000_000 + o.badSeq
}

func (o *outputs) customer(r customerRow) error { return o.tCustomers.put(o.customers, r) }

func (o *outputs) purchase(r purchaseRow) error {
	y := time.UnixMicro(r.PurchasedAt).UTC().Year()
	fw := o.purchases[y]
	if fw == nil {
		fw = newPartWriter[purchaseRow](filepath.Join(o.dir, "purchases", "year="+strconv.Itoa(y)), o.partRows)
		o.purchases[y] = fw
		o.years = append(o.years, y)
	}
	return o.tPurchases.put(fw, r)
}

func (o *outputs) complaint(c *cust, t int64, reason string) error {
	if t > o.end {
		return nil
	}
	o.complaintSeq++
	return o.tComplaints.put(o.complaints, complaintRow{
		CustomerID: c.id, ReportedAt: t / 1000, Reason: reason, ComplaintID: padID("CP", o.complaintSeq, 7),
	})
}

func (o *outputs) departure(c *cust, t int64, reason string) error {
	if t > o.end {
		return nil
	}
	return o.tDepartures.put(o.departures, departureRow{CustomerID: c.id, DepartedAt: t, Reason: reason})
}

func (o *outputs) outreach(c *cust, t int64, channel string) error {
	if t > o.end {
		return nil
	}
	return o.tOutreach.put(o.outreachW, outreachRow{CustomerID: c.id, ContactedAt: t, Channel: channel})
}

func (o *outputs) offer(_ *cust, r offerRow) error {
	if r.IssuedAt > o.end {
		return nil
	}
	if r.RedeemedAt > o.end {
		r.RedeemedAt = 0
	}
	o.offerSeq++
	r.OfferID = padID("OF", o.offerSeq, 7)
	return o.tOffers.put(o.offers, r)
}

func (o *outputs) survey(c *cust, t int64, score int32, related *bool) error {
	if t > o.end {
		return nil
	}
	o.responseSeq++
	return o.tSurveys.put(o.surveys, surveyRow{
		CustomerID: c.id, RespondedAt: t, Score: score, RecoveryRelated: related, ResponseID: padID("SR", o.responseSeq, 7),
	})
}

func (o *outputs) close() error {
	errs := []error{o.customers.close()}
	for _, y := range o.years {
		errs = append(errs, o.purchases[y].close())
	}
	errs = append(errs, o.complaints.close(), o.departures.close(), o.outreachW.close(), o.offers.close(), o.surveys.close())
	return errors.Join(errs...)
}

func (o *outputs) abort() {
	o.customers.abort()
	for _, y := range o.years {
		o.purchases[y].abort()
	}
	o.complaints.abort()
	o.departures.abort()
	o.outreachW.abort()
	o.offers.abort()
	o.surveys.abort()
}

func (o *outputs) summary() Summary {
	var pRows int64
	pFiles := 0
	for _, y := range o.years {
		pRows += o.purchases[y].rows
		pFiles += o.purchases[y].parts
	}
	return Summary{Tables: []TableCount{
		{"customers", o.customers.rows, o.customers.parts},
		{"purchases", pRows, pFiles},
		{"complaints", o.complaints.rows, o.complaints.parts},
		{"departures", o.departures.rows, o.departures.parts},
		{"outreach", o.outreachW.rows, o.outreachW.parts},
		{"offers", o.offers.rows, o.offers.parts},
		{"surveys", o.surveys.rows, o.surveys.parts},
	}}
}
