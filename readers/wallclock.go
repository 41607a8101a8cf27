package readers

import (
	"math"
	"time"
)

// WallClock converts wall-clock times of one time zone to instants the way
// DuckDB's timezone('<zone>', TIMESTAMP) does (ICU's default calendar
// options), which is what the reference implementation uses:
//
//   - a wall-clock time that does not exist (in the gap of a spring-forward
//     transition) is read with the UTC offset in effect before the
//     transition, so it lands after the gap by the gap's length: in
//     America/New_York 2026-03-08 02:30 becomes 07:30Z (= 03:30 EDT);
//   - a wall-clock time that exists twice (in the overlap of a fall-back
//     transition) is the later of the two instants, the one after the
//     transition: in America/New_York 2026-11-01 01:30 becomes 06:30Z
//     (= 01:30 EST).
//
// Both cases are "take the later instant" of the two offsets around the
// transition. Offsets are cached per local day; the days within 26 hours of a
// transition are computed exactly for each value. A WallClock is not safe for
// concurrent use.
type WallClock struct {
	loc   *time.Location
	fixed bool  // the zone never changes offset
	off   int64 // the offset in seconds, when fixed
	days  map[int64]int32
	// the last day looked up, for data sorted by time
	lastDay int64
	lastOff int32
}

const (
	transitionDay = math.MinInt32 // days entry: the day is near a transition
	maxDayCache   = 1 << 16
	zoneMargin    = 26 * 3600 // seconds; more than any UTC offset ever used
	secPerDay     = 86400
	usPerSec      = 1_000_000
)

// NewWallClock returns a converter for loc (nil means UTC).
func NewWallClock(loc *time.Location) *WallClock {
	if loc == nil {
		loc = time.UTC
	}
	w := &WallClock{loc: loc, days: make(map[int64]int32), lastDay: math.MinInt64}
	// A zone without transitions has no zone bounds.
	t := time.Unix(0, 0).In(loc)
	if start, end := t.ZoneBounds(); start.IsZero() && end.IsZero() {
		_, off := t.Zone()
		w.fixed, w.off = true, int64(off)
	}
	return w
}

// Instant returns the instant, in seconds since the Unix epoch, of the local
// wall-clock time given as seconds since 1970-01-01T00:00:00 local time.
func (w *WallClock) Instant(local int64) int64 {
	return local - w.offset(local)
}

// InstantMicros is Instant for microseconds; ok is false when the result
// does not fit in int64.
func (w *WallClock) InstantMicros(localUS int64) (int64, bool) {
	off := w.offset(floorDiv(localUS, usPerSec)) * usPerSec
	r := localUS - off
	// Overflow happened iff the operands' signs differ and the result's
	// sign differs from localUS's.
	if (localUS >= 0) != (off >= 0) && (r >= 0) != (localUS >= 0) {
		return 0, false
	}
	return r, true
}

// offset returns the UTC offset in seconds that applies to the local time.
func (w *WallClock) offset(local int64) int64 {
	if w.fixed {
		return w.off
	}
	day := floorDiv(local, secPerDay)
	if day == w.lastDay && w.lastOff != transitionDay {
		return int64(w.lastOff)
	}
	off, ok := w.days[day]
	if !ok {
		off = w.dayOffset(day)
		if len(w.days) >= maxDayCache {
			clear(w.days)
		}
		w.days[day] = off
	}
	w.lastDay, w.lastOff = day, off
	if off == transitionDay {
		return w.exactOffset(local)
	}
	return int64(off)
}

// dayOffset returns the one offset of a local day, or transitionDay when a
// transition is close enough to matter.
func (w *WallClock) dayOffset(day int64) int32 {
	lo := day*secPerDay - zoneMargin
	hi := (day+1)*secPerDay + zoneMargin
	t := time.Unix(lo, 0).In(w.loc)
	_, off := t.Zone()
	_, end := t.ZoneBounds()
	if !end.IsZero() && end.Unix() <= hi {
		return transitionDay
	}
	return int32(off)
}

// zonePeriod is a stretch of instants [start, end) with one offset; start and
// end are math.MinInt64 and math.MaxInt64 when unbounded.
type zonePeriod struct {
	start, end, off int64
}

// exactOffset applies the rule of WallClock to one local time.
func (w *WallClock) exactOffset(local int64) int64 {
	var periods [8]zonePeriod
	ps := periods[:0]
	for t := local - zoneMargin; len(ps) < cap(periods); {
		tt := time.Unix(t, 0).In(w.loc)
		_, off := tt.Zone()
		start, end := tt.ZoneBounds()
		p := zonePeriod{start: math.MinInt64, end: math.MaxInt64, off: int64(off)}
		if !start.IsZero() {
			p.start = start.Unix()
		}
		if !end.IsZero() {
			p.end = end.Unix()
		}
		ps = append(ps, p)
		if p.end > local+zoneMargin || p.end <= t {
			break
		}
		t = p.end
	}
	// Valid candidates: the local time exists in that period. Take the later.
	best, found := int64(math.MinInt64), false
	for _, p := range ps {
		c := local - p.off
		if c >= p.start && c < p.end && (!found || c > best) {
			best, found = c, true
		}
	}
	if found {
		return local - best
	}
	// A gap: use the offset before the transition whose gap holds local.
	for i := 1; i < len(ps); i++ {
		a, b := ps[i-1], ps[i]
		if local >= b.start+a.off && local < b.start+b.off {
			return a.off
		}
	}
	_, off := time.Unix(local, 0).In(w.loc).Zone()
	return int64(off)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
