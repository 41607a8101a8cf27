package excel

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/recoverykpi/recoverykpi/internal/contract"
	"github.com/recoverykpi/recoverykpi/pipeline"
)

// Breakdown tables start their header on this row; data follow.
const breakdownHeaderRow = 4

// onePageRows is the most table rows a breakdown sheet prints on one page with its chart.
const onePageRows = 24

func (b *book) reasonsSheet() error {
	const s = sheetReasons
	rows := b.sc.Reasons
	b.title(s, "Reasons for risk — "+b.sc.Quarter.Label,
		"Episodes of the quarter grouped by the reason of the event that put the customer at risk, ordered by revenue at risk (Pareto). Cumulative share: running share of the quarter's revenue at risk.", 9)
	b.headerRow(s, breakdownHeaderRow, "Reason", "At risk", "Recovered", "Lost", "Pending", "Recovery rate",
		"Revenue at risk", "Lost revenue", "Cumulative share")
	last := b.breakdownRows(s, rows, true)
	if len(rows) == 0 {
		b.note(s, breakdownHeaderRow+1, 9, "No episodes in the quarter.")
	}
	b.finishSheet(s)
	b.freeze(s, 1, breakdownHeaderRow)
	b.printSetup(s, breakdownHeaderRow, breakdownHeaderRow, len(rows) <= onePageRows)
	if b.err != nil {
		return b.err
	}
	first := breakdownHeaderRow + 1
	at := cellName(1, last+3)
	if len(rows) == 0 {
		return b.err
	}
	cats := fmt.Sprintf("%s!$A$%d:$A$%d", s, first, last)
	one := 1.0
	return b.f.AddChart(s, at, &excelize.Chart{
		Type: excelize.Col,
		Series: []excelize.ChartSeries{{
			Name: fmt.Sprintf("%s!$G$%d", s, breakdownHeaderRow), Categories: cats,
			Values: fmt.Sprintf("%s!$G$%d:$G$%d", s, first, last), Fill: solid("1F4E78"),
		}},
		Title:     chartTitle("Pareto of reasons: revenue at risk and cumulative share"),
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: uint(max(640, b.columnsPx(s, 1, 9))), Height: 360},
		Format:    graphic(),
		GapWidth:  uintPtr(60),
		YAxis:     excelize.ChartAxis{MajorGridLines: true, Font: axisFont(), NumFmt: excelize.ChartNumFmt{CustomNumFmt: b.moneyAxis()}},
		XAxis:     excelize.ChartAxis{Font: axisFont()},
	}, &excelize.Chart{
		Type: excelize.Line,
		Series: []excelize.ChartSeries{{
			Name: fmt.Sprintf("%s!$I$%d", s, breakdownHeaderRow), Categories: cats,
			Values: fmt.Sprintf("%s!$I$%d:$I$%d", s, first, last),
			Line:   excelize.LineOptions{Width: 2.25}, Fill: solid("ED7D31"),
			Marker: excelize.ChartMarker{Symbol: "circle", Size: 6, Fill: solid("ED7D31"), Border: excelize.LineOptions{Fill: solid("ED7D31")}},
		}},
		YAxis: excelize.ChartAxis{Secondary: true, Maximum: &one, Font: axisFont(), NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
	})
}

func (b *book) segmentsSheet() error {
	const s = sheetSegments
	rows := b.sc.Segments
	b.title(s, "Segments — "+b.sc.Quarter.Label,
		"Episodes of the quarter by customer segment (customers missing from the customers table are \"unassigned\").", 8)
	b.headerRow(s, breakdownHeaderRow, "Segment", "At risk", "Recovered", "Lost", "Pending", "Recovery rate",
		"Revenue at risk", "Lost revenue")
	last := b.breakdownRows(s, rows, false)
	if len(rows) == 0 {
		b.note(s, breakdownHeaderRow+1, 8, "No episodes in the quarter.")
	}
	b.finishSheet(s)
	b.freeze(s, 1, breakdownHeaderRow)
	b.printSetup(s, breakdownHeaderRow, breakdownHeaderRow, len(rows) <= onePageRows)
	if b.err != nil || len(rows) == 0 {
		return b.err
	}
	return b.rateChart(s, cellName(1, last+3), "Recovery rate by segment", breakdownHeaderRow+1, last, "F")
}

// breakdownRows writes reason or segment rows and a total row from the quarter's KPIs;
// it returns the last data row.
func (b *book) breakdownRows(s string, rows []pipeline.BreakdownRow, cumulative bool) int {
	money := b.moneyFormat(false)
	r := breakdownHeaderRow + 1
	for _, x := range rows {
		b.set(s, 1, r, x.Name, styleKey{})
		b.set(s, 2, r, x.AtRisk, styleKey{numFmt: fmtInt})
		b.set(s, 3, r, x.Recovered, styleKey{numFmt: fmtInt})
		b.set(s, 4, r, x.Lost, styleKey{numFmt: fmtInt})
		b.set(s, 5, r, x.Pending, styleKey{numFmt: fmtInt})
		b.setKPIValue(s, 6, r, pipeline.UnitPercent, x.RecoveryRate, styleKey{})
		b.set(s, 7, r, x.RevenueAtRisk, styleKey{numFmt: money})
		b.set(s, 8, r, x.LostRevenue, styleKey{numFmt: money})
		if cumulative {
			b.setKPIValue(s, 9, r, pipeline.UnitPercent, x.CumulativeRevenueShare, styleKey{})
		}
		r++
	}
	last := r - 1
	if len(rows) == 0 {
		return last
	}
	// The total row repeats the quarter's KPIs, so it equals the Scorecard.
	t := styleKey{total: true}
	b.set(s, 1, r, "Total (quarter)", t)
	for i, id := range []contract.KPI{contract.AtRiskCustomers, contract.RecoveredCustomers, contract.LostCustomers, contract.PendingCustomers,
		contract.RecoveryRate, contract.RevenueAtRisk, contract.LostRevenue} {
		d := kpiDef(id)
		var v *float64
		if k := pipeline.FindKPI(b.sc.KPIs, id); k != nil {
			v = k.Value
		}
		b.setKPIValue(s, 2+i, r, d.Unit, v, t)
	}
	if cumulative {
		b.set(s, 9, r, nil, t)
	}
	return last
}

// tableMissing says whether the extract set lacks an optional table: the data-quality
// counts list every table read (present ones, even when empty). With no counts at all
// (a scorecard built without them) nothing is said to be missing.
func (b *book) tableMissing(table string) bool {
	if len(b.sc.DataQuality) == 0 {
		return false
	}
	for _, q := range b.sc.DataQuality {
		if q.Table == table {
			return false
		}
	}
	return true
}

func (b *book) mitigationSheet() error {
	const s = sheetMitigation
	sc := b.sc
	money := b.moneyFormat(false)
	noOffers, noOutreach := b.tableMissing(contract.Offers), b.tableMissing(contract.Outreach)
	b.title(s, "Mitigation and offers — "+sc.Quarter.Label,
		"Treated customers had an offer or an outreach contact within their recovery window; the group is the type of the earliest offer, else \"outreach only\"; untreated customers are \"none\". The uplift is an association, not a controlled experiment.", 11)
	r := breakdownHeaderRow
	var missing []string
	if noOffers {
		missing = append(missing, "offers")
	}
	if noOutreach {
		missing = append(missing, "outreach")
	}
	if len(missing) > 0 {
		b.set(s, 1, r-1, fmt.Sprintf("The extract has no %s table, so treatment cannot be measured: the customers it would show as treated appear as untreated.",
			strings.Join(missing, " or ")), styleKey{bold: true, wrap: true, tone: toneProvisional})
		b.merge(s, 1, r-1, 11, r-1)
	}
	b.headerRow(s, r, "Mitigation group", "At risk", "Recovered", "Recovery rate", "Recovered revenue")
	r++
	for _, m := range sc.Mitigation {
		b.set(s, 1, r, m.Group, styleKey{})
		b.set(s, 2, r, m.AtRisk, styleKey{numFmt: fmtInt})
		b.set(s, 3, r, m.Recovered, styleKey{numFmt: fmtInt})
		b.setKPIValue(s, 4, r, pipeline.UnitPercent, m.RecoveryRate, styleKey{})
		b.set(s, 5, r, m.RecoveredRevenue, styleKey{numFmt: money})
		r++
	}
	mitFirst, mitLast := breakdownHeaderRow+1, r-1
	if len(sc.Mitigation) == 0 {
		b.note(s, r, 5, "No episodes in the quarter.")
		r++
	}
	for _, id := range []contract.KPI{contract.TreatedRecoveryRate, contract.UntreatedRecoveryRate, contract.MitigationUplift} {
		d := kpiDef(id)
		var v *float64
		if k := pipeline.FindKPI(sc.KPIs, id); k != nil {
			v = k.Value
		}
		b.set(s, 1, r, d.Title, styleKey{total: true})
		b.set(s, 2, r, nil, styleKey{total: true})
		b.set(s, 3, r, nil, styleKey{total: true})
		b.setKPIValue(s, 4, r, d.Unit, v, styleKey{total: true})
		b.set(s, 5, r, nil, styleKey{total: true})
		r++
	}

	r++
	b.set(s, 1, r, "Outreach by channel: customers contacted within their window", styleKey{kind: kSection})
	r++
	b.headerRow(s, r, "Channel", "Customers contacted", "Recovered", "Recovery rate")
	r++
	for _, c := range sc.Channels {
		b.set(s, 1, r, c.Channel, styleKey{})
		b.set(s, 2, r, c.Episodes, styleKey{numFmt: fmtInt})
		b.set(s, 3, r, c.Recovered, styleKey{numFmt: fmtInt})
		b.setKPIValue(s, 4, r, pipeline.UnitPercent, c.RecoveryRate, styleKey{})
		r++
	}
	switch {
	case noOutreach:
		b.note(s, r, 11, "No outreach table in the extract: contacts by channel (executive calls, the recovery team) cannot be shown.")
		r++
	case len(sc.Channels) == 0:
		b.note(s, r, 11, "No at-risk customer was contacted within their window this quarter.")
		r++
	default:
		b.note(s, r, 11, "A customer contacted through two channels counts in both. Compare the channels (for example executive calls against the recovery team's calls) on their recovery rates.")
		r++
	}

	r++
	b.set(s, 1, r, "Offers issued in the quarter, by type", styleKey{kind: kSection})
	r++
	offHeader := r
	b.headerRow(s, r, "Offer type", "Issued", "Redeemed", "Expired", "Open", "Consumption rate", "Breakage rate",
		"Face value issued", "Face value redeemed", "Recovered revenue", "Return on face value")
	r++
	ratio := `0.00"×"`
	for _, o := range sc.Offers {
		b.set(s, 1, r, o.OfferType, styleKey{})
		b.set(s, 2, r, o.Issued, styleKey{numFmt: fmtInt})
		b.set(s, 3, r, o.Redeemed, styleKey{numFmt: fmtInt})
		b.set(s, 4, r, o.Expired, styleKey{numFmt: fmtInt})
		b.set(s, 5, r, o.Open, styleKey{numFmt: fmtInt})
		b.setKPIValue(s, 6, r, pipeline.UnitPercent, o.ConsumptionRate, styleKey{})
		b.setKPIValue(s, 7, r, pipeline.UnitPercent, o.BreakageRate, styleKey{})
		b.set(s, 8, r, o.FaceValueIssued, styleKey{numFmt: money})
		b.set(s, 9, r, o.FaceValueRedeemed, styleKey{numFmt: money})
		b.set(s, 10, r, o.RecoveredRevenue, styleKey{numFmt: money})
		b.setKPIValue(s, 11, r, pipeline.UnitCount, o.ReturnOnFaceValue, styleKey{numFmt: ratio})
		r++
	}
	offFirst, offLast := offHeader+1, r-1
	switch {
	case noOffers:
		b.note(s, r, 11, "No offers table in the extract: offers, their consumption and breakage cannot be shown.")
		r++
	case len(sc.Offers) == 0:
		b.note(s, r, 11, "No offers issued in the quarter.")
		r++
	default:
		b.note(s, r, 11, "Recovered revenue: what the customers whose earliest offer was of this type spent within their recovery window (their offers may date from after the quarter). Return on face value: recovered revenue ÷ face value redeemed (2.00× means twice the face value came back).")
		r++
	}
	b.widths(s, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	b.finishSheet(s)
	b.freeze(s, 1, breakdownHeaderRow)
	b.printSetup(s, 0, 0, len(sc.Mitigation)+len(sc.Offers)+len(sc.Channels) <= onePageRows)
	if b.err != nil {
		return b.err
	}
	r += 2
	// Without an offers or outreach table every customer is "none": a chart of the
	// treatment split would show a treatment that was not measured.
	if len(sc.Mitigation) > 0 && len(missing) == 0 {
		if err := b.rateChart(s, cellName(1, r), "Recovery rate by mitigation group", mitFirst, mitLast, "D"); err != nil {
			return err
		}
	}
	if len(sc.Offers) == 0 {
		return nil
	}
	cats := fmt.Sprintf("%s!$A$%d:$A$%d", s, offFirst, offLast)
	var series []excelize.ChartSeries
	for _, c := range []struct{ col, colour string }{{"C", "00B050"}, {"D", "C00000"}, {"E", "A5A5A5"}} {
		series = append(series, excelize.ChartSeries{
			Name: fmt.Sprintf("%s!$%s$%d", s, c.col, offHeader), Categories: cats,
			Values: fmt.Sprintf("%s!$%s$%d:$%s$%d", s, c.col, offFirst, c.col, offLast), Fill: solid(c.colour),
		})
	}
	// Beside the mitigation chart, from the first column that starts to its right.
	format := graphic()
	at := cellName(1, r)
	if len(sc.Mitigation) > 0 && len(missing) == 0 {
		col, px := 1, 0
		for px < mitigationChartWidth+20 {
			px += b.columnsPx(s, col, col)
			col++
		}
		at = cellName(col, r)
	}
	return b.f.AddChart(s, at, &excelize.Chart{
		Type:      excelize.ColStacked,
		Series:    series,
		Title:     chartTitle("Offers by type: redeemed, expired, open"),
		Legend:    excelize.ChartLegend{Position: "bottom"},
		Dimension: excelize.ChartDimension{Width: 420, Height: 320},
		Format:    format,
		GapWidth:  uintPtr(60),
		Overlap:   intPtr(100),
		XAxis:     excelize.ChartAxis{Font: axisFont()},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, Font: axisFont(), NumFmt: excelize.ChartNumFmt{CustomNumFmt: "#,##0"}},
	})
}

// mitigationChartWidth is the width of the Mitigation sheet's rate chart: wide enough
// for "offer:discount" and the like to stay on one line under their columns.
const mitigationChartWidth = 560

// rateChart adds a column chart of the recovery rates in column col of rows first..last.
func (b *book) rateChart(s, at, title string, first, last int, col string) error {
	one := 1.0
	width := uint(max(640, b.columnsPx(s, 1, 8)))
	if s == sheetMitigation {
		width = mitigationChartWidth
	}
	return b.f.AddChart(s, at, &excelize.Chart{
		Type: excelize.Col,
		Series: []excelize.ChartSeries{{
			Name:       fmt.Sprintf("%s!$%s$%d", quoteSheet(s), col, first-1),
			Categories: fmt.Sprintf("%s!$A$%d:$A$%d", quoteSheet(s), first, last),
			Values:     fmt.Sprintf("%s!$%s$%d:$%s$%d", quoteSheet(s), col, first, col, last),
			Fill:       solid("1F4E78"),
			DataLabel:  excelize.ChartDataLabel{},
		}},
		Title:     chartTitle(title),
		Legend:    excelize.ChartLegend{Position: "none"},
		Dimension: excelize.ChartDimension{Width: width, Height: 320},
		Format:    graphic(),
		GapWidth:  uintPtr(80),
		PlotArea:  excelize.ChartPlotArea{ShowVal: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
		XAxis:     excelize.ChartAxis{Font: axisFont()},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, Maximum: &one, Font: axisFont(), NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
	})
}

// moneyAxis is the money format of a chart axis: whole units.
func (b *book) moneyAxis() string {
	sym, prefix := currencySymbol(b.sc.Currency)
	switch {
	case sym == "":
		return "#,##0"
	case prefix:
		return `"` + sym + `"#,##0`
	}
	return `#,##0 "` + sym + `"`
}

func quoteSheet(s string) string {
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return "'" + s + "'"
		}
	}
	return s
}

func uintPtr(v uint) *uint { return &v }
func intPtr(v int) *int    { return &v }
