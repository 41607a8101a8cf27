package readers

import (
	"testing"
	"time"
)

// TestWallClockMatchesDuckDB checks cases computed with DuckDB 1.5.6:
// SELECT epoch_us(timezone('<zone>', TIMESTAMP '<local>')). The same rule was
// checked against 1.8 million DuckDB conversions per zone for New York,
// Berlin, London, Lord Howe, São Paulo, St John's, Kolkata and Apia, 1850 to
// 2199 (tz database differences aside, e.g. Africa/Casablanca).
func TestWallClockMatchesDuckDB(t *testing.T) {
	tests := []struct {
		zone, local string
		want        int64 // µs
	}{
		{"America/New_York", "2026-03-08T01:59:59", 1772953199000000},
		{"America/New_York", "2026-03-08T02:00:00", 1772953200000000}, // gap: offset before
		{"America/New_York", "2026-03-08T02:30:00", 1772955000000000},
		{"America/New_York", "2026-03-08T03:00:00", 1772953200000000},
		{"America/New_York", "2026-11-01T00:59:59", 1793509199000000},
		{"America/New_York", "2026-11-01T01:00:00", 1793512800000000}, // overlap: later instant
		{"America/New_York", "2026-11-01T01:30:00", 1793514600000000},
		{"America/New_York", "2026-11-01T02:00:00", 1793516400000000},
		{"America/New_York", "1969-12-31T19:00:00", 0},
		{"America/New_York", "2199-12-31T19:00:00", 7258118400000000},
		{"America/New_York", "1883-01-01T00:00:00", -2745428638000000}, // local mean time
		{"America/New_York", "2100-03-14T02:30:00", 4108692600000000},
		{"America/New_York", "2500-07-01T00:00:00", 16740878400000000},
		{"Europe/Berlin", "2026-03-29T02:30:00", 1774747800000000},
		{"Europe/Berlin", "2026-10-25T02:30:00", 1792891800000000},
		{"Australia/Lord_Howe", "2026-10-04T02:15:00", 1791042300000000},
		{"Australia/Lord_Howe", "2026-04-05T01:45:00", 1775315700000000},
		{"UTC", "2026-03-08T02:30:00", 1772937000000000},
	}
	for _, tt := range tests {
		loc, err := time.LoadLocation(tt.zone)
		if err != nil {
			t.Skip("no tzdata:", err)
		}
		l, err := time.Parse("2006-01-02T15:04:05", tt.local)
		if err != nil {
			t.Fatal(err)
		}
		w := NewWallClock(loc)
		// twice: the second call answers from the day cache
		for range 2 {
			got, ok := w.InstantMicros(l.UnixMicro())
			if !ok || got != tt.want {
				t.Errorf("%s %s = %d (%s), want %d (%s)", tt.zone, tt.local, got,
					time.UnixMicro(got).UTC().Format(time.RFC3339), tt.want, time.UnixMicro(tt.want).UTC().Format(time.RFC3339))
			}
		}
	}
}

func TestWallClockOverflow(t *testing.T) {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip(err)
	}
	w := NewWallClock(loc)
	if _, ok := w.InstantMicros(-1 << 63); ok {
		t.Error("MinInt64 local in a positive offset zone should overflow")
	}
}
