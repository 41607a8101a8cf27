package pipeline

import (
	"sort"

	"github.com/recoverykpi/recoverykpi/internal/contract"
)

// IndustryBenchmark is one industry's published recovery figure (SPEC §5).
type IndustryBenchmark = contract.IndustryFigure

// Band is one status band of SPEC §5.
type Band = contract.Band

// Target describes the target band of a KPI (SPEC §5).
type Target = contract.Target

// Benchmarks holds the industry figures of SPEC §5, with the config's overrides
// applied. The bands and targets are contract.Bands.
type Benchmarks struct {
	// Industries maps KPI id → industry figures, sorted by industry.
	Industries map[contract.KPI][]IndustryBenchmark
}

// DefaultBenchmarks returns the figures of SPEC §5.
func DefaultBenchmarks() Benchmarks {
	return Benchmarks{Industries: contract.DefaultIndustryFigures()}
}

// WithOverrides returns b with the config's industry figures added or replaced
// (source "company config"). overrides maps KPI id → industry → value.
func (b Benchmarks) WithOverrides(overrides map[contract.KPI]map[string]float64) Benchmarks {
	out := Benchmarks{Industries: map[contract.KPI][]IndustryBenchmark{}}
	for k, v := range b.Industries {
		out.Industries[k] = append([]IndustryBenchmark(nil), v...)
	}
	for kpi, inds := range overrides {
		for ind, v := range inds {
			list := out.Industries[kpi]
			replaced := false
			for i := range list {
				if list[i].Industry == ind {
					list[i] = IndustryBenchmark{Industry: ind, Low: v, High: v, Source: contract.SourceCompanyConfig}
					replaced = true
				}
			}
			if !replaced {
				list = append(list, IndustryBenchmark{Industry: ind, Low: v, High: v, Source: contract.SourceCompanyConfig})
			}
			sort.Slice(list, func(i, j int) bool { return list[i].Industry < list[j].Industry })
			out.Industries[kpi] = list
		}
	}
	return out
}

// benchmark returns the industry's figure for a KPI, or nil.
func (b Benchmarks) benchmark(kpi contract.KPI, industry string) *Benchmark {
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

// Bands returns the status bands of a KPI in the order they are tested, and its target;
// nil when the KPI has no bands (SPEC §5).
func Bands(kpi contract.KPI) ([]Band, *Target) { return contract.Bands(kpi) }

// status returns the band status of value v.
func status(kpi contract.KPI, v float64) string { return contract.Status(kpi, v) }
