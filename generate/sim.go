package generate

import (
	"math"
)

// Time is int64 microseconds since the Unix epoch, UTC.
const (
	second = int64(1_000_000)
	minute = 60 * second
	hour   = 60 * minute
	day    = 24 * hour
	never  = int64(math.MaxInt64)
)

func dayStart(t int64) int64 { return t - t%day }

// Segments. The last one is written as a null segment.
const (
	segEnterprise = iota
	segMidMarket
	segSmallBusiness
	segConsumer
	segUnassigned
)

var segmentNames = []string{"enterprise", "mid-market", "small business", "consumer", ""}

var (
	segmentWeights = []float64{0.07, 0.13, 0.24, 0.50, 0.06}
	// median days between purchases, median order value, churn hazard factor
	segGap     = []float64{17, 21, 27, 34, 34}
	segValue   = []float64{3200, 950, 240, 58, 70}
	segChurn   = []float64{0.45, 0.7, 1.0, 1.25, 1.5}
	segRecover = []float64{0.2, 0.1, 0.0, -0.1, -0.12}
	// probability of outreach / of an offer after an at-risk event
	segOutreach = []float64{0.62, 0.48, 0.32, 0.16, 0.12}
	segOffer    = []float64{0.14, 0.22, 0.28, 0.32, 0.22}
	// outreach channel weights: phone, email, visit
	segChannel = [][]float64{{0.55, 0.12, 0.33}, {0.6, 0.33, 0.07}, {0.45, 0.53, 0.02}, {0.22, 0.78, 0}, {0.3, 0.7, 0}}
)

var channelNames = []string{"phone", "email", "visit"}

// Complaint reasons; the last one is written as null.
var complaintReasons = []string{"late delivery", "billing error", "product defect", "poor support", "price increase", ""}

var (
	complaintWeights = []float64{0.29, 0.17, 0.21, 0.17, 0.10, 0.06}
	complaintRecover = []float64{0.56, 0.52, 0.42, 0.38, 0.24, 0.45}
)

// Departure reasons; the last one is written as null.
var departureReasons = []string{"switched to competitor", "price", "moved away", "service quality", ""}

var (
	departureWeights = []float64{0.34, 0.24, 0.2, 0.14, 0.08}
	departureRecover = []float64{0.2, 0.3, 0.06, 0.26, 0.18}
)

var offerTypes = []string{"discount", "voucher", "free shipping", "upgrade"}

const (
	offerDiscount = iota
	offerVoucher
	offerFreeShipping
	offerUpgrade
)

// Event kinds of the at-risk events the company reacts to.
const (
	kindComplaint = iota
	kindDeparture
	kindLapse
)

// world holds what is shared across customers: the time frame, the writers and
// the id sequences. Customers are simulated one after another, in order.
type world struct {
	start, end int64
	out        *outputs

	orderSeq int64
}

// progress maps t to [0, 1] over the data span; it drives the mild trend.
func (w *world) progress(t int64) float64 {
	f := float64(t-w.start) / float64(w.end-w.start)
	return min(max(f, 0), 1)
}

// cust is one customer being simulated.
type cust struct {
	w                       *world
	r                       *rng
	id                      string
	seg                     int
	gap                     float64 // mean days between purchases
	value                   float64 // median order value
	pCompl, pChurn, pDepart float64
}

// treatment is the company's reaction to one at-risk event.
type treatment struct {
	contacted  bool
	channel    int
	contactAt  int64
	offered    bool
	offer      offerRow
	strength   float64 // probability that the treatment turns a loss around
	earliestOK int64   // a win-back purchase comes after this instant
}

// ---- times of day ------------------------------------------------------

// purchaseTOD: shopping hours with a daytime and an evening peak; whole
// seconds, a quarter of them with a microsecond fraction.
func (c *cust) purchaseTOD() int64 {
	var h float64
	if c.r.chance(0.68) {
		h = 12.5 + 3.2*c.r.NormFloat64()
	} else {
		h = 20 + 1.4*c.r.NormFloat64()
	}
	h = math.Mod(h+48, 24)
	t := int64(h*3600) * second
	if c.r.chance(0.25) {
		t += c.r.Int64N(second)
	}
	return t
}

// officeTOD: 08:00-18:00 in whole seconds.
func (c *cust) officeTOD() int64 {
	return 8*hour + c.r.Int64N(10*3600)*second
}

// eveningTOD: 07:00-23:00 in whole seconds (survey answers, complaints).
func (c *cust) eveningTOD() int64 {
	return 7*hour + c.r.Int64N(16*3600)*second
}

// at returns a realistic instant on the day of target, strictly after lo and
// at most hi.
func (c *cust) at(target, lo, hi int64, tod func() int64) int64 {
	for range 6 {
		t := dayStart(target) + tod()
		if t > lo && t <= hi {
			return t
		}
		if target <= lo || target > hi {
			target = lo + 1 + c.r.Int64N(max(hi-lo, 1))
		}
	}
	t := lo + (hi-lo)/2
	return min(t-t%second+second, hi)
}

// ---- the customer's story ----------------------------------------------

func (w *world) simulate(c *cust, name string, forceEnd bool) error {
	r := c.r
	if err := w.out.customer(customerRow{CustomerID: c.id, Segment: segmentNames[c.seg], Name: name}); err != nil {
		return err
	}
	if r.chance(0.015) { // registered, never bought
		if forceEnd {
			return c.purchase(w.end, false, false)
		}
		return nil
	}
	var first int64
	if r.chance(0.55) { // already a customer when the extract starts
		first = w.start + int64(r.uniform(0, 1.3*c.gap)*float64(day))
	} else {
		first = w.start + r.Int64N(w.end-w.start)
	}
	first = c.at(first, w.start, w.end, c.purchaseTOD)
	p := first
	last := first
	if err := c.purchase(p, false, false); err != nil {
		return err
	}
	for {
		next, recovered, treated, err := c.step(p)
		if err != nil {
			return err
		}
		next, rec2, tr2, err := c.lapse(p, next)
		if err != nil {
			return err
		}
		if next > w.end {
			break
		}
		if err := c.purchase(next, recovered || rec2, treated || tr2); err != nil {
			return err
		}
		p = next
		last = p
	}
	if forceEnd && last < w.end {
		// the extract's latest instant: one order landing exactly at End
		return c.purchase(w.end, false, false)
	}
	return nil
}

// step decides what happens after the qualifying purchase at p and returns
// the next qualifying purchase (never if none), whether it recovers an
// at-risk event, and whether that recovery was treated.
func (c *cust) step(p int64) (next int64, recovered, treated bool, err error) {
	r := c.r
	u := r.Float64()
	switch {
	case u < c.pChurn:
		return never, false, false, nil
	case u < c.pChurn+c.pCompl:
		return c.complaint(p)
	case u < c.pChurn+c.pCompl+c.pDepart:
		dep := c.at(p+int64(r.uniform(2, 40)*float64(day)), p, p+45*day, c.officeTOD)
		reason := r.pick(departureWeights)
		return c.departure(dep, reason, dep)
	}
	g := max(r.erlang(2, c.gap), 0.15)
	target := p + int64(g*float64(day))
	return c.at(target, p, target+2*day, c.purchaseTOD), false, false, nil
}

func (c *cust) complaintReason(t int64) int {
	ws := complaintWeights
	f := c.w.progress(t)
	if f > 0.72 { // a price increase lands in the last year of the data
		ws = []float64{0.25, 0.15, 0.19, 0.16, 0.20, 0.05}
	}
	return c.r.pick(ws)
}

func (c *cust) complaint(p int64) (int64, bool, bool, error) {
	r, w := c.r, c.w
	ct := c.at(p+int64(r.uniform(1, min(14, 0.8*c.gap)+1)*float64(day)), p, p+30*day, c.eveningTOD)
	if r.chance(0.4) {
		ct += r.Int64N(1000) * 1000 // milliseconds
	}
	reason := c.complaintReason(ct)
	if err := w.out.complaint(c, ct, complaintReasons[reason]); err != nil {
		return 0, false, false, err
	}
	// a free replacement order after a delivery or product problem
	if (reason == 0 || reason == 2) && r.chance(0.22) {
		if err := c.emitPurchase(c.at(ct+int64(r.uniform(1, 5)*float64(day)), ct, ct+6*day, c.officeTOD), 0); err != nil {
			return 0, false, false, err
		}
	}
	// a billing error is often refunded
	if reason == 1 && r.chance(0.45) {
		amt := -round2(c.value * r.uniform(0.05, 0.4))
		if err := c.emitPurchase(c.at(ct+int64(r.uniform(1, 8)*float64(day)), ct, ct+10*day, c.officeTOD), amt); err != nil {
			return 0, false, false, err
		}
	}
	f := w.progress(ct)
	tr := c.treat(ct, kindComplaint, reason)
	base := complaintRecover[reason] + segRecover[c.seg] + 0.1*f
	pr := 1 - (1-clamp01(base))*(1-tr.strength)
	if r.chance(pr) {
		next, err := c.recover(ct, tr)
		return next, true, tr.contacted || tr.offered, err
	}
	if err := c.finishOffer(&tr, never); err != nil {
		return 0, false, false, err
	}
	// not won back within the window
	u := r.Float64()
	switch {
	case u < 0.3: // gives notice
		dep := c.at(ct+int64(r.uniform(3, 45)*float64(day)), ct, ct+50*day, c.officeTOD)
		return c.departure(dep, departureAfterComplaint(r, reason), ct+90*day)
	case u < 0.62: // silently stops buying
		return never, false, false, nil
	default: // pauses beyond the window, then comes back
		t := ct + int64(r.uniform(91, 420)*float64(day))
		return c.at(t, ct+90*day+hour, t+2*day, c.purchaseTOD), false, false, nil
	}
}

func departureAfterComplaint(r *rng, reason int) int {
	switch reason {
	case 4: // price increase
		if r.chance(0.8) {
			return 1
		}
		return 0
	case 1:
		return r.pick([]float64{0.3, 0.3, 0, 0.4, 0.05})
	default:
		return r.pick([]float64{0.4, 0.05, 0, 0.5, 0.1})
	}
}

// departure handles a departure row at dep; no purchase may come before
// notBefore (the end of an earlier complaint's window).
func (c *cust) departure(dep int64, reason int, notBefore int64) (int64, bool, bool, error) {
	r, w := c.r, c.w
	if err := w.out.departure(c, dep, departureReasons[reason]); err != nil {
		return 0, false, false, err
	}
	f := w.progress(dep)
	tr := c.treat(dep, kindDeparture, reason)
	tr.earliestOK = max(tr.earliestOK, notBefore)
	base := departureRecover[reason] + segRecover[c.seg] + 0.06*f
	pr := 1 - (1-clamp01(base))*(1-tr.strength)
	if tr.earliestOK < dep+88*day && r.chance(pr) {
		next, err := c.recover(dep, tr)
		return next, true, tr.contacted || tr.offered, err
	}
	if err := c.finishOffer(&tr, never); err != nil {
		return 0, false, false, err
	}
	if r.chance(0.18) { // comes back much later
		t := max(dep, notBefore) + int64(r.uniform(100, 420)*float64(day))
		return c.at(t, max(dep+90*day, notBefore)+hour, t+2*day, c.purchaseTOD), false, false, nil
	}
	return never, false, false, nil
}

// lapse applies the lapse rule between the qualifying purchase at p and the
// planned next one: after 180 days without a purchase the company's win-back
// programme may contact the customer or send an offer, which can pull the
// next purchase into the recovery window.
func (c *cust) lapse(p, next int64) (int64, bool, bool, error) {
	w, r := c.w, c.r
	if next != never && next-p <= 180*day {
		return next, false, false, nil
	}
	L := p + 180*day
	if L > w.end {
		return next, false, false, nil
	}
	tr := c.treat(L, kindLapse, 0)
	if next != never && next <= L+90*day {
		// back on their own within the window
		if err := c.finishOffer(&tr, next); err != nil {
			return 0, false, false, err
		}
		return next, true, tr.contacted || tr.offered, nil
	}
	f := w.progress(L)
	pull := 1 - (1-0.05-0.04*f)*(1-tr.strength)
	if r.chance(pull) {
		n, err := c.recover(L, tr)
		return n, true, tr.contacted || tr.offered, err
	}
	if err := c.finishOffer(&tr, never); err != nil {
		return 0, false, false, err
	}
	return next, false, false, nil
}

// treat decides and writes the outreach of the company's reaction to an
// at-risk event at t; an offer is returned unwritten, as its redemption is
// only known later (finishOffer).
func (c *cust) treat(t int64, kind, reason int) treatment {
	r, w := c.r, c.w
	f := w.progress(t)
	tr := treatment{earliestOK: t}
	pOut, pOff := segOutreach[c.seg]+0.2*f, segOffer[c.seg]+0.16*f
	switch kind {
	case kindDeparture:
		pOut += 0.1
		pOff += 0.08
	case kindLapse:
		pOut *= 0.45
		pOff = 0.06 + 0.25*segOffer[c.seg] + 0.1*f
	case kindComplaint:
		if reason == 4 {
			pOff += 0.15
		}
	}
	keep := 1.0
	if r.chance(pOut) {
		tr.contacted = true
		tr.channel = r.pick(segChannel[c.seg])
		tr.contactAt = c.reactAt(t, 0.35, 6)
		tr.earliestOK = max(tr.earliestOK, tr.contactAt)
		w.out.keep(w.out.outreach(c, tr.contactAt, channelNames[tr.channel]))
		if r.chance(0.2) { // a follow-up contact
			ch := r.pick(segChannel[c.seg])
			at := c.at(tr.contactAt+int64(r.uniform(2, 12)*float64(day)), tr.contactAt, tr.contactAt+14*day, c.officeTOD)
			w.out.keep(w.out.outreach(c, at, channelNames[ch]))
		}
		e := []float64{0.34, 0.16, 0.42}[tr.channel]
		if kind == kindLapse { // harder to win back someone who has gone quiet
			e *= 0.6
		}
		keep *= 1 - e
	}
	if r.chance(pOff) {
		tr.offered = true
		ot := c.offerType(kind, reason)
		at := c.reactAt(t, 0.25, 9)
		if tr.contacted && r.chance(0.5) { // offered during the call
			at = tr.contactAt + int64(r.uniform(5, 120)*float64(minute))
			at -= at % second
		}
		tr.offer = offerRow{
			CustomerID: c.id, IssuedAt: at, OfferType: offerTypes[ot],
			FaceValue: c.faceValue(ot),
		}
		valid := r.between(30, 60)
		if kind == kindDeparture { // win-back offers to leavers run longer
			valid += 30
		}
		tr.offer.ExpiresAt = dayStart(at) + int64(valid)*day + 23*hour + 59*minute + 59*second
		tr.earliestOK = max(tr.earliestOK, at)
		e := []float64{0.84, 0.8, 0.74, 0.86}[ot]
		if kind == kindLapse {
			e *= 0.9
		}
		if kind == kindComplaint && reason == 4 { // a discount does not undo a price increase
			e *= 0.75
		}
		keep *= 1 - e
	}
	tr.strength = 1 - keep
	return tr
}

// reactAt is when the company reacts to an event at t: the same day with
// probability sameDay (a few hours later), else within maxDays days.
func (c *cust) reactAt(t int64, sameDay float64, maxDays int) int64 {
	if c.r.chance(sameDay) {
		at := t + int64(c.r.uniform(0.25, 5)*float64(hour))
		return at - at%second + second
	}
	return c.at(t+int64(c.r.between(1, maxDays))*day, t, t+int64(maxDays+1)*day, c.officeTOD)
}

func (c *cust) offerType(kind, reason int) int {
	business := c.seg <= segSmallBusiness
	w := []float64{0.34, 0.36, 0.24, 0.06}
	if business {
		w = []float64{0.38, 0.2, 0.1, 0.32}
	}
	if kind == kindComplaint && reason == 4 || kind == kindDeparture && reason == 1 {
		w = []float64{0.7, 0.2, 0.05, 0.05}
	}
	return c.r.pick(w)
}

// faceValue in cents.
func (c *cust) faceValue(ot int) int64 {
	r := c.r
	switch ot {
	case offerDiscount:
		v := c.value * r.uniform(0.08, 0.2)
		return int64(math.Round(v*2)) * 50 // whole half-units
	case offerVoucher:
		vs := []int64{10, 15, 20, 25, 50}
		v := vs[r.IntN(len(vs))]
		if c.seg <= segMidMarket {
			v *= 10
		}
		return v * 100
	case offerFreeShipping:
		return []int64{495, 695, 995, 1495}[r.IntN(4)]
	default:
		v := []int64{2900, 4900, 9900, 19900}[r.IntN(4)]
		if c.seg == segEnterprise {
			v *= 5
		}
		return v
	}
}

// recover picks the win-back purchase for the event at d: after the
// treatment, within (d, d+90 days), and before an offer's expiry when there
// is one, so that the offer is redeemed.
func (c *cust) recover(d int64, tr treatment) (int64, error) {
	r := c.r
	lo := tr.earliestOK
	hi := d + 89*day + 12*hour
	if tr.offered && r.chance(0.98) {
		hi = min(hi, tr.offer.ExpiresAt-hour)
	}
	if hi <= lo+hour {
		hi = d + 89*day + 12*hour
	}
	mean := min(0.8*c.gap, 24)
	target := lo + int64((0.3+r.erlang(2, mean))*float64(day))
	if target > hi {
		target = lo + r.Int64N(hi-lo)
	}
	next := c.at(target, lo, hi, c.purchaseTOD)
	return next, c.finishOffer(&tr, next)
}

// finishOffer writes the pending offer, redeemed at the purchase at next when
// that is before it expires.
func (c *cust) finishOffer(tr *treatment, next int64) error {
	if !tr.offered {
		return nil
	}
	o := tr.offer
	if next != never && next >= o.IssuedAt && next <= o.ExpiresAt && next <= c.w.end && c.r.chance(0.97) {
		o.RedeemedAt = next
	}
	tr.offered = false // written once
	return c.w.out.offer(c, o)
}

func (c *cust) maybeSurvey(t int64, related, treated bool) error {
	r := c.r
	var p float64
	if related {
		p = 0.4
	} else {
		p = 0.022
	}
	if !r.chance(p) {
		return nil
	}
	at := c.at(t+int64(r.uniform(0.5, 10)*float64(day)), t, t+12*day, c.eveningTOD)
	var score int32
	f := c.w.progress(t)
	switch {
	case related && treated:
		score = int32(5 - r.pick([]float64{0.42 + 0.06*f, 0.4, 0.11, 0.05, 0.02}))
	case related:
		score = int32(5 - r.pick([]float64{0.26 + 0.06*f, 0.42, 0.19, 0.09, 0.04}))
	default:
		score = int32(5 - r.pick([]float64{0.3, 0.34, 0.2, 0.1, 0.06}))
	}
	rel := &boolTrue
	if !related {
		rel = &boolFalse
		if r.chance(0.12) {
			rel = nil
		}
	}
	return c.w.out.survey(c, at, score, rel)
}

// purchase writes a qualifying purchase at t with its possible refund and
// survey answer.
func (c *cust) purchase(t int64, recovered, treated bool) error {
	r := c.r
	amt := round2(max(c.value*r.lognormal(1, 0.38), 0.5))
	if err := c.emitPurchase(t, amt); err != nil {
		return err
	}
	if r.chance(0.027) { // refund
		ref := amt
		if r.chance(0.45) {
			ref = round2(amt * r.uniform(0.15, 0.7))
		}
		at := c.at(t+int64(r.uniform(1, 21)*float64(day)), t, t+22*day, c.officeTOD)
		if err := c.emitPurchase(at, -ref); err != nil {
			return err
		}
	}
	return c.maybeSurvey(t, recovered, treated)
}

func (c *cust) emitPurchase(t int64, amount float64) error {
	if t > c.w.end {
		return nil
	}
	c.w.orderSeq += 1 + int64(c.r.IntN(3))
	return c.w.out.purchase(purchaseRow{CustomerID: c.id, PurchasedAt: t, Amount: amount, OrderID: c.w.orderSeq})
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func clamp01(x float64) float64 { return min(max(x, 0), 1) }
