package pipeline

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"
)

// Quarter is a fiscal quarter: the half-open interval [Start, End) of instants.
// Start and End are local midnight on the 1st of a month in the calendar's time zone.
type Quarter struct {
	Label string    // YYYY-Qn, the year being the calendar year in which the fiscal year ends
	Start time.Time // first instant, in the calendar's location
	End   time.Time // first instant after the quarter
	index int       // fiscal year × 4 + quarter − 1
}

// Calendar maps instants to fiscal quarters (SPEC §3).
type Calendar struct {
	Loc        *time.Location
	StartMonth int // first month of the fiscal year, 1..12
}

var labelPattern = regexp.MustCompile(`^([0-9]{4})-Q([1-4])$`)

// ParseLabel checks a YYYY-Qn label and returns its year and quarter number.
func ParseLabel(label string) (year, n int, err error) {
	m := labelPattern.FindStringSubmatch(label)
	if m == nil {
		return 0, 0, fmt.Errorf("quarter %q is not of the form YYYY-Qn with n in 1..4", label)
	}
	year, _ = strconv.Atoi(m[1])
	n, _ = strconv.Atoi(m[2])
	return year, n, nil
}

// Quarter returns the quarter with the given label.
func (c Calendar) Quarter(label string) (Quarter, error) {
	y, n, err := ParseLabel(label)
	if err != nil {
		return Quarter{}, err
	}
	return c.byIndex(y*4 + n - 1), nil
}

// byIndex builds the quarter of fiscal year idx/4, number idx%4+1.
func (c Calendar) byIndex(idx int) Quarter {
	fy, n := floorDiv(idx, 4), idx%4+1
	if n <= 0 {
		n += 4
	}
	// The fiscal year fy ends in calendar year fy; with StartMonth 1 it starts there too.
	y, m := fy, c.StartMonth+3*(n-1)
	if c.StartMonth != 1 {
		y = fy - 1
	}
	for m > 12 {
		m -= 12
		y++
	}
	start := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, c.Loc)
	end := time.Date(y, time.Month(m+3), 1, 0, 0, 0, 0, c.Loc)
	return Quarter{Label: fmt.Sprintf("%04d-Q%d", fy, n), Start: start, End: end, index: idx}
}

// At returns the quarter that holds instant t.
func (c Calendar) At(t time.Time) Quarter {
	lt := t.In(c.Loc)
	y, m := lt.Year(), int(lt.Month())
	off := (m - c.StartMonth + 12) % 12
	fy := y
	if c.StartMonth != 1 && m >= c.StartMonth {
		fy = y + 1
	}
	return c.byIndex(fy*4 + off/3)
}

// Shift returns the quarter k quarters after q (before it when k < 0).
func (c Calendar) Shift(q Quarter, k int) Quarter { return c.byIndex(q.index + k) }

// Default returns the latest quarter whose end is at or before asOf (SPEC §3).
func (c Calendar) Default(asOf time.Time) Quarter {
	q := c.At(asOf)
	for q.End.After(asOf) {
		q = c.Shift(q, -1)
	}
	return q
}

// quarterGrid is a run of consecutive quarters with their boundaries in µs, for
// locating many instants by binary search.
type quarterGrid struct {
	quarters []Quarter
	bounds   []int64 // len(quarters)+1 boundaries: bounds[i] = start of quarters[i]
}

func newGrid(c Calendar, first, last Quarter) quarterGrid {
	var g quarterGrid
	for q := first; q.index <= last.index; q = c.Shift(q, 1) {
		g.quarters = append(g.quarters, q)
		g.bounds = append(g.bounds, q.Start.UnixMicro())
	}
	g.bounds = append(g.bounds, last.End.UnixMicro())
	return g
}

// find returns the index of the quarter holding t (µs), or -1 outside the grid.
func (g quarterGrid) find(t int64) int {
	i := sort.Search(len(g.bounds), func(i int) bool { return g.bounds[i] > t }) - 1
	if i < 0 || i >= len(g.quarters) {
		return -1
	}
	return i
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
