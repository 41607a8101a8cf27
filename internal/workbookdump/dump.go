// Package workbookdump describes an .xlsx workbook as text: its properties, sheets,
// cells with their values, number formats and styles, conditional formats, tables,
// sparklines and charts. The text is what the workbook goldens hold and what
// `recoverykpi verify` compares cell by cell; it is a reader of any workbook and does
// not depend on how writers/excel wrote it.
package workbookdump

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Dump reads a workbook back and describes it as text, for golden files: the document
// properties and defined names; per sheet its columns, panes, print set-up, merged
// cells, every non-empty cell with its raw value, number format and the style that
// matters (bold, italic, font and fill colours, alignment, wrap), conditional formats,
// tables, autofilters, sparklines and charts (chart types, titles and the <c:f>
// references of every series). It reads cells with excelize and parses what excelize
// does not return (charts, sparklines, autofilters) from the package's XML.
func Dump(r io.ReaderAt, size int64) (string, error) {
	raw, err := io.ReadAll(io.NewSectionReader(r, 0, size))
	if err != nil {
		return "", fmt.Errorf("dump: read: %w", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		return "", fmt.Errorf("dump: open workbook: %w", err)
	}
	defer f.Close()
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return "", fmt.Errorf("dump: open zip: %w", err)
	}
	pkg := map[string][]byte{}
	var names []string
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			return "", err
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return "", fmt.Errorf("dump: read %s: %w", zf.Name, err)
		}
		pkg[zf.Name] = b
		names = append(names, zf.Name)
	}
	d := &dumper{f: f, pkg: pkg}
	var out strings.Builder
	d.w = &out

	d.printf("== workbook\n")
	d.printf("parts: %s\n", strings.Join(names, ", "))
	d.printf("sheets: %s\n", strings.Join(f.GetSheetList(), " | "))
	if p, err := f.GetDocProps(); err == nil {
		d.printf("props: creator=%q title=%q subject=%q created=%s modified=%s lastModifiedBy=%q language=%q\n",
			p.Creator, p.Title, p.Subject, p.Created, p.Modified, p.LastModifiedBy, p.Language)
		d.printf("props: description=%q\n", p.Description)
	}
	for _, dn := range f.GetDefinedName() {
		d.printf("defined name: %s scope=%s refers to %s\n", dn.Name, dn.Scope, dn.RefersTo)
	}
	sheetPaths := d.sheetPaths()
	for _, sheet := range f.GetSheetList() {
		if err := d.sheet(sheet, sheetPaths[sheet]); err != nil {
			return "", fmt.Errorf("dump: sheet %s: %w", sheet, err)
		}
	}
	return out.String(), nil
}

type dumper struct {
	f   *excelize.File
	pkg map[string][]byte
	w   io.Writer
}

func (d *dumper) printf(format string, a ...any) { fmt.Fprintf(d.w, format, a...) }

func (d *dumper) sheet(sheet, xmlPath string) error {
	f := d.f
	d.printf("\n== sheet %s (%s)\n", sheet, xmlPath)
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return err
	}
	maxCol := 0
	for _, r := range rows {
		maxCol = max(maxCol, len(r))
	}
	var widths []string
	for c := 1; c <= maxCol; c++ {
		w, err := f.GetColWidth(sheet, colName(c))
		if err != nil {
			return err
		}
		widths = append(widths, colName(c)+"="+strconv.FormatFloat(w, 'f', -1, 64))
	}
	d.printf("columns: %s\n", strings.Join(widths, " "))
	if p, err := f.GetPanes(sheet); err == nil && (p.Freeze || p.Split) {
		d.printf("panes: freeze=%v x=%d y=%d topLeft=%s active=%s\n", p.Freeze, p.XSplit, p.YSplit, p.TopLeftCell, p.ActivePane)
	}
	if pl, err := f.GetPageLayout(sheet); err == nil {
		d.printf("page: orientation=%s size=%s fitToWidth=%s fitToHeight=%s", deref(pl.Orientation), deref(pl.Size), deref(pl.FitToWidth), deref(pl.FitToHeight))
		if sp, err := f.GetSheetProps(sheet); err == nil {
			d.printf(" fitToPage=%s", deref(sp.FitToPage))
		}
		d.printf("\n")
	}
	if hf, err := f.GetHeaderFooter(sheet); err == nil && hf != nil {
		d.printf("header: %q footer: %q\n", hf.OddHeader, hf.OddFooter)
	}
	merged, err := f.GetMergeCells(sheet, true)
	if err != nil {
		return err
	}
	var mc []string
	for _, m := range merged {
		mc = append(mc, m.GetStartAxis()+":"+m.GetEndAxis())
	}
	if len(mc) > 0 {
		d.printf("merged: %s\n", strings.Join(mc, " "))
	}
	for ri, r := range rows {
		for ci, v := range r {
			if v == "" {
				continue
			}
			cell := cellName(ci+1, ri+1)
			typ, _ := f.GetCellType(sheet, cell)
			desc := d.cellStyle(sheet, cell)
			val := strconv.Quote(v)
			if typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset && isNumber(v) {
				val = v
			}
			d.printf("%s %s%s\n", cell, val, desc)
		}
	}
	cfs, err := f.GetConditionalFormats(sheet)
	if err != nil {
		return err
	}
	refs := make([]string, 0, len(cfs))
	for ref := range cfs {
		refs = append(refs, ref)
	}
	sort.Slice(refs, func(i, j int) bool { return cellLess(refs[i], refs[j]) })
	for _, ref := range refs {
		for _, o := range cfs[ref] {
			style := ""
			if o.Format != nil {
				if s, err := f.GetConditionalStyle(*o.Format); err == nil && s != nil {
					style = describeStyle(s)
				}
			}
			d.printf("conditional %s: type=%s criteria=%q value=%q stop=%v%s\n", ref, o.Type, o.Criteria, o.Value, o.StopIfTrue, style)
		}
	}
	tables, err := f.GetTables(sheet)
	if err != nil {
		return err
	}
	for _, t := range tables {
		d.printf("table: %s range=%s style=%s autofilter=yes\n", t.Name, t.Range, t.StyleName)
	}
	xmlBytes := d.pkg[xmlPath]
	for _, a := range findAttr(xmlBytes, "autoFilter", "ref") {
		d.printf("autofilter: %s\n", a)
	}
	for _, s := range sparklines(xmlBytes) {
		d.printf("sparkline: %s\n", s)
	}
	for _, c := range d.charts(xmlPath) {
		d.printf("%s", c)
	}
	return nil
}

func (d *dumper) cellStyle(sheet, cell string) string {
	id, err := d.f.GetCellStyle(sheet, cell)
	if err != nil || id == 0 {
		return ""
	}
	s, err := d.f.GetStyle(id)
	if err != nil || s == nil {
		return ""
	}
	return describeStyle(s)
}

// describeStyle prints the parts of a style a reader notices.
func describeStyle(s *excelize.Style) string {
	var parts []string
	if s.CustomNumFmt != nil && *s.CustomNumFmt != "" {
		parts = append(parts, "fmt="+strconv.Quote(*s.CustomNumFmt))
	} else if s.NumFmt != 0 {
		parts = append(parts, "numFmt="+strconv.Itoa(s.NumFmt))
	}
	if ft := s.Font; ft != nil {
		if ft.Bold {
			parts = append(parts, "bold")
		}
		if ft.Italic {
			parts = append(parts, "italic")
		}
		if ft.Color != "" && !strings.EqualFold(ft.Color, "FF000000") {
			parts = append(parts, "font="+ft.Color)
		}
		if ft.Family != "" && ft.Family != "Calibri" {
			parts = append(parts, "family="+strconv.Quote(ft.Family))
		}
		if ft.Size != 0 && ft.Size != 11 {
			parts = append(parts, "size="+strconv.FormatFloat(ft.Size, 'f', -1, 64))
		}
	}
	if len(s.Fill.Color) > 0 {
		parts = append(parts, "fill="+strings.Join(s.Fill.Color, ","))
	}
	if a := s.Alignment; a != nil {
		if a.Horizontal != "" {
			parts = append(parts, "align="+a.Horizontal)
		}
		if a.WrapText {
			parts = append(parts, "wrap")
		}
	}
	for _, b := range s.Border {
		parts = append(parts, "border="+b.Type)
	}
	if len(parts) == 0 {
		return ""
	}
	return " [" + strings.Join(parts, " ") + "]"
}

// sheetPaths maps sheet names to their part names.
func (d *dumper) sheetPaths() map[string]string {
	rels := relTargets(d.pkg["xl/_rels/workbook.xml.rels"], "xl")
	out := map[string]string{}
	eachElement(d.pkg["xl/workbook.xml"], "sheet", func(se xml.StartElement) {
		out[attr(se, "name")] = rels[attr(se, "id")]
	})
	return out
}

// relTargets reads a relationships part: id → part name, resolved against dir.
func relTargets(b []byte, dir string) map[string]string {
	out := map[string]string{}
	eachElement(b, "Relationship", func(se xml.StartElement) {
		id, target := attr(se, "Id"), attr(se, "Target")
		if strings.HasPrefix(target, "/") {
			out[id] = strings.TrimPrefix(target, "/")
		} else {
			out[id] = path.Clean(path.Join(dir, target))
		}
	})
	return out
}

func relsOf(part string) string {
	return path.Join(path.Dir(part), "_rels", path.Base(part)+".rels")
}

// charts describes the charts of a sheet, in drawing order.
func (d *dumper) charts(sheetPath string) []string {
	var out []string
	for _, drawing := range relTargets(d.pkg[relsOf(sheetPath)], path.Dir(sheetPath)) {
		if !strings.Contains(drawing, "drawings/drawing") {
			continue
		}
		chartRels := relTargets(d.pkg[relsOf(drawing)], path.Dir(drawing))
		dec := xml.NewDecoder(bytes.NewReader(d.pkg[drawing]))
		var anchor []string
		var inFrom bool
		var field string
		for {
			tok, err := dec.Token()
			if err != nil {
				break
			}
			switch t := tok.(type) {
			case xml.StartElement:
				switch t.Name.Local {
				case "twoCellAnchor", "oneCellAnchor", "absoluteAnchor":
					anchor = nil
				case "from":
					inFrom = true
				case "col", "row":
					if inFrom {
						field = t.Name.Local
					}
				case "chart":
					for _, a := range t.Attr {
						if a.Name.Local == "id" {
							chart := chartRels[a.Value]
							out = append(out, fmt.Sprintf("chart %s at %s\n%s", chart, anchorCell(anchor), describeChart(d.pkg[chart])))
						}
					}
				}
			case xml.CharData:
				if field != "" {
					anchor = append(anchor, string(t))
				}
			case xml.EndElement:
				switch t.Name.Local {
				case "from":
					inFrom = false
				case "col", "row":
					field = ""
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func anchorCell(a []string) string {
	if len(a) < 2 {
		return "?"
	}
	c, _ := strconv.Atoi(a[0])
	r, _ := strconv.Atoi(a[1])
	return cellName(c+1, r+1)
}

// describeChart lists the title, plot types (with bar direction and grouping), series
// references and axes of a chart part.
func describeChart(b []byte) string {
	var sb strings.Builder
	dec := xml.NewDecoder(bytes.NewReader(b))
	var stack []string
	var title strings.Builder
	var ser map[string]string
	var serKind string
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			stack = append(stack, name)
			if parent == "plotArea" && strings.HasSuffix(name, "Chart") {
				fmt.Fprintf(&sb, "  plot %s", name)
				serKind = name
			}
			if serKind != "" && len(stack) >= 2 && stack[len(stack)-2] == serKind {
				switch name {
				case "barDir", "grouping":
					fmt.Fprintf(&sb, " %s=%s", name, attr(t, "val"))
				case "ser":
					ser = map[string]string{}
				}
			}
			if parent == "plotArea" && (name == "valAx" || name == "catAx") {
				serKind = ""
			}
			if (name == "valAx" || name == "catAx") && parent == "plotArea" {
				fmt.Fprintf(&sb, "\n  axis %s", name)
			}
			if len(stack) >= 2 && (stack[len(stack)-2] == "valAx" || stack[len(stack)-2] == "catAx") {
				switch name {
				case "axPos", "crosses", "delete":
					fmt.Fprintf(&sb, " %s=%s", name, attr(t, "val"))
				case "numFmt":
					fmt.Fprintf(&sb, " numFmt=%q", attr(t, "formatCode"))
				}
			}
			if len(stack) >= 3 && stack[len(stack)-2] == "scaling" && (name == "max" || name == "min") {
				fmt.Fprintf(&sb, " %s=%s", name, attr(t, "val"))
			}
		case xml.EndElement:
			name := t.Name.Local
			if name == "ser" && ser != nil {
				cat, val := ser["cat"], ser["val"]
				if cat == "" && val == "" { // a scatter chart's series
					cat, val = ser["xVal"], ser["yVal"]
				}
				fmt.Fprintf(&sb, "\n    series name=%s categories=%s values=%s", ser["tx"], cat, val)
				ser = nil
			}
			if strings.HasSuffix(name, "Chart") && name == serKind {
				sb.WriteString("\n")
				serKind = ""
			}
			if name == "valAx" || name == "catAx" {
				sb.WriteString("\n")
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			top := stack[len(stack)-1]
			if top == "t" && slices.Contains(stack, "title") && !slices.Contains(stack, "valAx") && !slices.Contains(stack, "catAx") {
				title.Write(t)
			}
			if top == "f" && ser != nil && len(stack) >= 3 {
				ser[stack[len(stack)-3]] = string(t)
			}
		}
	}
	return "  title: " + strconv.Quote(title.String()) + "\n" + sb.String()
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// findAttr returns the attribute of every element with the local name.
func findAttr(b []byte, element, name string) []string {
	var out []string
	eachElement(b, element, func(se xml.StartElement) { out = append(out, attr(se, name)) })
	return out
}

// eachElement calls fn with every element of b with the local name, in order.
func eachElement(b []byte, element string, fn func(xml.StartElement)) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == element {
			fn(se)
		}
	}
}

// sparklines returns "LOCATION <- RANGE" per sparkline, with its group's settings.
func sparklines(b []byte) []string {
	var out []string
	dec := xml.NewDecoder(bytes.NewReader(b))
	var group, f, cur string
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "sparklineGroup":
				var attrs []string
				for _, a := range t.Attr {
					attrs = append(attrs, a.Name.Local+"="+a.Value)
				}
				group = strings.Join(attrs, " ")
			case "f", "sqref":
				cur = t.Name.Local
			}
		case xml.CharData:
			switch cur {
			case "f":
				f = string(t)
			case "sqref":
				out = append(out, fmt.Sprintf("%s <- %s (%s)", string(t), f, group))
			}
		case xml.EndElement:
			cur = ""
		}
	}
	return out
}

func deref[T any](p *T) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// cellLess orders cell references by row, then column.
func cellLess(a, b string) bool {
	ac, ar, _ := excelize.CellNameToCoordinates(strings.SplitN(a, ":", 2)[0])
	bc, br, _ := excelize.CellNameToCoordinates(strings.SplitN(b, ":", 2)[0])
	if ar != br {
		return ar < br
	}
	if ac != bc {
		return ac < bc
	}
	return a < b
}

func cellName(col, row int) string {
	n, _ := excelize.CoordinatesToCellName(col, row)
	return n
}

func colName(col int) string {
	n, _ := excelize.ColumnNumberToName(col)
	return n
}
