package pipeline

import (
	"context"
	"runtime"
	"sync"
)

// chunkSize is the customers per unit of parallel work. It is fixed, so that partial
// sums are formed and merged alike on any number of cores.
const chunkSize = 8192

// run computes every customer's result (definitions.customer) over chunks of
// customers on the workers (0: GOMAXPROCS), adds them to one partial per chunk, and
// merges the partials in chunk order, then the row-by-row KPIs (rowKPIs). The result
// does not depend on the number of workers. Each customer is evaluated by e and by
// each of e's comparisons (another as_of over the same rows) in the same pass, while
// its rows are in cache; the partials are returned in that order.
func (e *engine) run(ctx context.Context, customers, workers int) ([]*partial, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	engines := append([]*engine{e}, e.comparisons...)
	chunks := (customers + chunkSize - 1) / chunkSize
	parts := make([][]*partial, chunks)
	errs := make([]error, chunks)
	next := make(chan int)
	var wg sync.WaitGroup
	// The KPIs of rows without a customer's history (surveys, offers), beside the
	// chunks rather than after them; merged last, as before.
	rowParts := make([]*partial, len(engines))
	wg.Go(func() {
		for i, en := range engines {
			rowParts[i] = en.rowKPIs()
		}
	})
	for range min(workers, max(chunks, 1)) {
		wg.Go(func() {
			var w chunkWorker
			for k := range next {
				parts[k], errs[k] = w.chunk(engines, k*chunkSize, min((k+1)*chunkSize, customers))
			}
		})
	}
	var err error
feed:
	for k := range chunks {
		select {
		case next <- k:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	// The first chunk's error, so that the customer named does not depend on the
	// number of workers.
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	// Each engine's parts merged in chunk order, the engines on goroutines of their own;
	// the first engine's overflow is the error.
	totals := make([]*partial, len(engines))
	overflows := make([]error, len(engines))
	for i, en := range engines {
		wg.Go(func() {
			total := en.newPartial()
			for _, p := range parts {
				total.merge(p[i])
			}
			total.merge(rowParts[i])
			totals[i], overflows[i] = total, en.mergedOverflow(total)
		})
	}
	wg.Wait()
	for _, err := range overflows {
		if err != nil {
			return nil, err
		}
	}
	return totals, nil
}

// chunkWorker is one worker's reusable room: a customer's rows and result, at the
// scorecard's as_of and at a comparison's.
type chunkWorker struct {
	in, cmpIn   customerRows
	out, cmpOut customerResult
}

// chunk returns the partials (one per engine: the scorecard's, then its comparisons')
// of the customers lo..hi-1, or the error of the first customer whose sums overflow
// (customerOverflow). A comparison starts from the customer's result at the
// scorecard's as_of (customerAt).
func (w *chunkWorker) chunk(engines []*engine, lo, hi int) ([]*partial, error) {
	ps := make([]*partial, len(engines))
	for i, e := range engines {
		ps[i] = e.newPartial()
	}
	e := engines[0]
	for c := int32(lo); c < int32(hi); c++ {
		e.rowsOf(c, &w.in)
		e.def.customer(&w.in, &w.out)
		if len(w.out.events) == 0 {
			continue // nor at an earlier as_of
		}
		if err := e.customerOverflow(c, &w.out); err != nil {
			return nil, err
		}
		e.accumulate(c, &w.out, ps[0])
		for i, ce := range engines[1:] {
			ce.rowsOf(c, &w.cmpIn)
			ce.def.customerAt(&w.cmpIn, &w.out, &w.cmpOut)
			if len(w.cmpOut.events) == 0 {
				continue
			}
			if err := ce.customerOverflow(c, &w.cmpOut); err != nil {
				return nil, err
			}
			ce.accumulate(c, &w.cmpOut, ps[i+1])
		}
	}
	return ps, nil
}

// rowsOf points in at customer c's rows of the grouped tables (customerRows says
// which stop at as_of).
func (e *engine) rowsOf(c int32, in *customerRows) {
	g, asOf := &e.d.byCust, e.def.asOf
	lo, hi := g.purchases.until(c, asOf)
	in.purchaseTimes, in.purchaseAmounts = g.purchases.t[lo:hi], g.purchases.amount[lo:hi]
	lo, hi = g.complaints.until(c, asOf)
	in.complaintTimes, in.complaintReasons = g.complaints.t[lo:hi], g.complaints.text[lo:hi]
	lo, hi = g.departures.until(c, asOf)
	in.departureTimes, in.departureReasons = g.departures.t[lo:hi], g.departures.text[lo:hi]
	lo, hi = g.outreach.span(c)
	in.outreachTimes, in.outreachChannels = g.outreach.t[lo:hi], g.outreach.text[lo:hi]
	lo, hi = g.offers.span(c)
	in.offerTimes, in.offerTypes = g.offers.t[lo:hi], g.offers.text[lo:hi]
}
