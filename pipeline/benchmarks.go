package pipeline

import "sort"

// IndustryBenchmark is one industry's published recovery figure (SPEC §5).
type IndustryBenchmark struct {
	Industry string
	Low      float64
	High     float64 // equal to Low for a single figure
	Source   string
}

// Benchmarks holds the targets, bands and industry figures of SPEC §5, with the
// config's overrides applied.
type Benchmarks struct {
	// Industries maps KPI id → industry figures, sorted by industry.
	Industries map[string][]IndustryBenchmark
}

// DefaultBenchmarks returns the figures of SPEC §5.
func DefaultBenchmarks() Benchmarks {
	return Benchmarks{Industries: map[string][]IndustryBenchmark{
		"recovery_rate": {
			{"automotive", 10, 15, "practitioner figures"},
			{"financial_services", 30, 30, "practitioner figures"},
			{"retail", 60, 60, "Forrester"},
			{"saas", 65, 65, "HubSpot"},
			{"telecommunications", 55, 55, "Gartner"},
		},
	}}
}

// WithOverrides returns b with the config's industry figures added or replaced
// (source "company config"). overrides maps KPI id → industry → value.
func (b Benchmarks) WithOverrides(overrides map[string]map[string]float64) Benchmarks {
	out := Benchmarks{Industries: map[string][]IndustryBenchmark{}}
	for k, v := range b.Industries {
		out.Industries[k] = append([]IndustryBenchmark(nil), v...)
	}
	for kpi, inds := range overrides {
		for ind, v := range inds {
			list := out.Industries[kpi]
			replaced := false
			for i := range list {
				if list[i].Industry == ind {
					list[i] = IndustryBenchmark{ind, v, v, "company config"}
					replaced = true
				}
			}
			if !replaced {
				list = append(list, IndustryBenchmark{ind, v, v, "company config"})
			}
			sort.Slice(list, func(i, j int) bool { return list[i].Industry < list[j].Industry })
			out.Industries[kpi] = list
		}
	}
	return out
}

// benchmark returns the industry's figure for a KPI, or nil.
func (b Benchmarks) benchmark(kpi, industry string) *Benchmark {
	for _, ib := range b.Industries[kpi] {
		if ib.Industry != industry {
			continue
		}
		bm := &Benchmark{Industry: industry, Value: (ib.Low + ib.High) / 2, Source: ib.Source}
		if ib.Low != ib.High {
			lo, hi := ib.Low, ib.High
			bm.Low, bm.High = &lo, &hi
		}
		return bm
	}
	return nil
}

// Band is one status band of SPEC §5.
type Band struct {
	Status string
	Low    *float64 // nil: unbounded
	High   *float64
	// LowInclusive and HighInclusive say whether the bounds belong to the band.
	LowInclusive, HighInclusive bool
	Colour                      string // green, amber or red
}

// Bands returns the status bands of a KPI in the order they are tested, and its target;
// nil when the KPI has no bands.
func Bands(kpi string) ([]Band, *Target) {
	f := func(v float64) *float64 { return &v }
	switch kpi {
	case "recovery_rate":
		return []Band{
			{Status: "strong", Low: f(70), Colour: "green"},
			{Status: "moderate", Low: f(50), High: f(70), LowInclusive: true, HighInclusive: true, Colour: "amber"},
			{Status: "critical", High: f(50), Colour: "red"},
		}, &Target{Rule: "> 70", Low: f(70)}
	case "recovery_satisfaction":
		return []Band{
			{Status: "on target", Low: f(80), Colour: "green"},
			{Status: "below target", High: f(80), HighInclusive: true, Colour: "red"},
		}, &Target{Rule: "> 80", Low: f(80)}
	case "offer_consumption_rate":
		return []Band{
			{Status: "on target", Low: f(90), LowInclusive: true, Colour: "green"},
			{Status: "below target", High: f(90), Colour: "red"},
		}, &Target{Rule: ">= 90", Low: f(90)}
	case "offer_breakage_rate":
		return []Band{
			{Status: "optimal", Low: f(10), High: f(15), LowInclusive: true, HighInclusive: true, Colour: "green"},
			{Status: "outside optimal", Colour: "amber"},
		}, &Target{Rule: "10..15", Low: f(10), High: f(15)}
	}
	return nil, nil
}

// status returns the band status of value v.
func status(kpi string, v float64) string {
	bands, _ := Bands(kpi)
	for _, b := range bands {
		if b.contains(v) {
			return b.Status
		}
	}
	return ""
}

func (b Band) contains(v float64) bool {
	if b.Low != nil && (v < *b.Low || (v == *b.Low && !b.LowInclusive)) {
		return false
	}
	if b.High != nil && (v > *b.High || (v == *b.High && !b.HighInclusive)) {
		return false
	}
	return true
}
