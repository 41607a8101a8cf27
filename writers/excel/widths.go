package excel

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Column widths are computed from the text each cell renders to, never guessed: every
// cell written through book.set (and every worklist row) records the width its
// rendered text needs, and book.finishSheet makes each column as wide as its widest
// cell. Widths are in Excel's unit, the width of the digit 0 of the default font
// (Calibri 11); LibreOffice uses Carlito, which has Calibri's metrics.

// calibriEm holds the advance widths of Calibri's characters in ems (units per em
// 2048), for the characters the workbook prints.
var calibriEm = func() map[rune]float64 {
	m := map[rune]float64{}
	set := func(chars string, units float64) {
		for _, r := range chars {
			m[r] = units / 2048
		}
	}
	set("0123456789$€£+=<>#~^±×÷≤≥", 1038)
	set(" ", 463)
	set("a", 981)
	set("bdhnpqu", 1076)
	set("c", 866)
	set("e", 1019)
	set("f", 625)
	set("g", 964)
	set("ijl", 470)
	set("k", 931)
	set("m", 1636)
	set("o", 1080)
	set("r", 714)
	set("s", 801)
	set("t", 686)
	set("vy", 926)
	set("w", 1464)
	set("x", 887)
	set("z", 809)
	set("A", 1185)
	set("B", 1114)
	set("C", 1092)
	set("D", 1260)
	set("E", 1000)
	set("F", 941)
	set("G", 1292)
	set("H", 1276)
	set("I", 516)
	set("J", 653)
	set("K", 1064)
	set("L", 861)
	set("M", 1751)
	set("N", 1322)
	set("O", 1356)
	set("P", 1058)
	set("Q", 1378)
	set("R", 1112)
	set("S", 941)
	set("T", 998)
	set("U", 1314)
	set("V", 1162)
	set("W", 1822)
	set("X", 1063)
	set("Y", 998)
	set("Z", 959)
	set(".,:;|!'·", 517)
	set("-", 627)
	set("()[]{}", 621)
	set("/\\", 791)
	set(`"`, 823)
	set("%", 1463)
	set("&", 1400)
	set("*", 1021)
	set("?", 941)
	set("@", 1839)
	set("_", 1018)
	set("–", 1024)
	set("—", 1853)
	set("→", 1638)
	set("…", 1536)
	set("•", 1024)
	return m
}()

// zeroEm is the width of the digit 0, Excel's width unit.
const zeroEm = 1038.0 / 2048

// cellPadding is what Excel and LibreOffice keep free beside a cell's text, in width
// units: 5 px of the 7 px digit, and a little more for the rounding of widths to
// whole pixels.
const cellPadding = 1.5

// textWidth is the column width the text needs on one line, in a font of the size
// (points) and weight. Courier New (the mono style) has every character 0.6 em wide.
func textWidth(s string, size float64, bold, mono bool) float64 {
	em := 0.0
	for _, r := range s {
		var w float64
		var ok bool
		if r < utf8.RuneSelf {
			w, ok = calibriASCII[r], calibriASCIIKnown[r]
		} else {
			w, ok = calibriEm[r]
		}
		switch {
		case mono:
			em += 0.6
		case ok:
			em += w
		case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hangul, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r):
			em += 1
		case unicode.IsUpper(r):
			em += 0.65
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			em += 0.53
		default:
			em += 0.6
		}
	}
	if bold && !mono {
		em *= 1.07
	}
	return em*size/11/zeroEm + cellPadding
}

// calibriASCII is calibriEm for the ASCII characters (calibriASCIIKnown: those it
// has), read without a map lookup: the worklists' widths measure millions of cells.
var calibriASCII, calibriASCIIKnown = func() (w [utf8.RuneSelf]float64, known [utf8.RuneSelf]bool) {
	for r, em := range calibriEm {
		if r < utf8.RuneSelf {
			w[r], known[r] = em, true
		}
	}
	return w, known
}()

// wrappedLines is the number of lines the text takes when wrapped at word boundaries
// in a column (or merged range) of the width.
func wrappedLines(s string, width, size float64, bold bool) int {
	avail := width - cellPadding
	lines := 0
	for _, para := range strings.Split(s, "\n") {
		lines++
		line := 0.0
		for i, word := range strings.Fields(para) {
			w := textWidth(word, size, bold, false) - cellPadding
			sp := textWidth(" ", size, bold, false) - cellPadding
			switch {
			case i == 0:
				line = w
			case line+sp+w <= avail:
				line += sp + w
			default:
				lines++
				line = w
			}
			for line > avail && avail > 0 { // a word longer than the line breaks
				lines++
				line -= avail
			}
		}
	}
	return lines
}

// headerWidth is the width a header needs to show on at most two wrapped lines.
func headerWidth(s string, bold bool) float64 {
	w := 0.0
	for _, word := range strings.Fields(s) {
		w = max(w, textWidth(word, 11, bold, false))
	}
	for wrappedLines(s, w, 11, bold) > 2 {
		w += 0.5
	}
	return w
}

// formatSection is one section of a number format code, and whether it is a
// date-time section, with the text it shows then (the same for every value:
// dateText).
type formatSection struct {
	code     string
	date     bool
	dateText string
}

// formats holds the codes parsed (code → []formatSection): a worklist measures
// every cell of a few formats, hundreds of thousands of times each.
var formats sync.Map

// parsedFormat returns the sections of code.
func parsedFormat(code string) []formatSection {
	if f, ok := formats.Load(code); ok {
		return f.([]formatSection)
	}
	var f []formatSection
	for _, sec := range splitSections(code) {
		s := formatSection{code: sec, date: strings.ContainsAny(strings.ToLower(unquoted(sec)), "ymdh")}
		if s.date {
			s.dateText = dateText(sec)
		}
		f = append(f, s)
	}
	formats.Store(code, f)
	return f
}

// renderNumber returns the text a number shows in a cell with the number format
// code, for the codes this package writes: sections for positive; negative; zero,
// quoted literals, [colour] tags, 0 # , . placeholders, trailing commas that scale by
// a thousand, % and date-time codes.
func renderNumber(code string, v float64) string {
	if code == "" {
		return strconv.FormatFloat(v, 'g', 11, 64)
	}
	sections := parsedFormat(code)
	part := sections[0]
	neg := false
	switch {
	case v < 0 && len(sections) >= 2:
		part, v = sections[1], -v
	case v < 0:
		neg = true
		v = -v
	case v == 0 && len(sections) >= 3:
		part = sections[2]
	}
	if part.date {
		return part.dateText
	}
	sec := part.code
	var out strings.Builder
	if neg {
		out.WriteByte('-')
	}
	// Split the section into the literal prefix, the number pattern and the suffix.
	var prefix, pattern, suffix strings.Builder
	state := 0 // 0 prefix, 1 pattern, 2 suffix
	for i := 0; i < len(sec); i++ {
		c := sec[i]
		lit := ""
		switch {
		case c == '"':
			j := strings.IndexByte(sec[i+1:], '"')
			if j < 0 {
				j = len(sec) - i - 1
			}
			lit = sec[i+1 : i+1+j]
			i += j + 1
		case c == '[':
			j := strings.IndexByte(sec[i:], ']')
			if j < 0 {
				j = len(sec) - i - 1
			}
			i += j
			continue
		case c == '\\' && i+1 < len(sec):
			lit = string(sec[i+1])
			i++
		case c == '0' || c == '#' || c == '.' || (c == ',' && state == 1):
			if state == 2 { // a second number pattern is not written by this package
				suffix.WriteByte(c)
				continue
			}
			state = 1
			pattern.WriteByte(c)
			continue
		default:
			lit = string(c)
		}
		if state == 0 {
			prefix.WriteString(lit)
		} else {
			state = 2
			suffix.WriteString(lit)
		}
	}
	p := pattern.String()
	for strings.HasSuffix(p, ",") {
		p = strings.TrimSuffix(p, ",")
		v /= 1000
	}
	if strings.Contains(suffix.String(), "%") || strings.Contains(prefix.String(), "%") {
		v *= 100
	}
	intPart, frac, _ := strings.Cut(p, ".")
	required := strings.Count(frac, "0")
	optional := strings.Count(frac, "#")
	// Excel rounds halves away from zero (v is not negative here).
	scale := math.Pow(10, float64(required+optional))
	s := strconv.FormatFloat(math.Floor(v*scale+0.5)/scale, 'f', required+optional, 64)
	if optional > 0 {
		whole, dec, _ := strings.Cut(s, ".")
		for len(dec) > required && strings.HasSuffix(dec, "0") {
			dec = dec[:len(dec)-1]
		}
		s = whole
		if dec != "" {
			s += "." + dec
		}
	}
	if strings.Contains(intPart, ",") {
		whole, dec, hasDec := strings.Cut(s, ".")
		s = groupThousands(whole)
		if hasDec {
			s += "." + dec
		}
	}
	out.WriteString(prefix.String())
	out.WriteString(s)
	out.WriteString(suffix.String())
	return out.String()
}

// splitSections splits a number format at the semicolons outside quotes.
func splitSections(code string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(code); i++ {
		switch code[i] {
		case '"':
			quoted = !quoted
		case ';':
			if !quoted {
				out = append(out, code[start:i])
				start = i + 1
			}
		}
	}
	return append(out, code[start:])
}

// unquoted drops the quoted literals and [bracketed] tags of a format section.
func unquoted(sec string) string {
	var b strings.Builder
	quoted, bracket := false, false
	for _, r := range sec {
		switch {
		case r == '"' && !bracket:
			quoted = !quoted
		case quoted:
		case r == '[':
			bracket = true
		case r == ']':
			bracket = false
		case !bracket:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// dateText returns a text as wide as a date-time rendered with the section: each
// code letter shows one digit, except mmm (a month name, at most three letters here).
func dateText(sec string) string {
	return dateSample.Replace(sec)
}

// dateSample replaces a date format's codes with the widest text of a date (made
// once: a Replacer is safe for concurrent use and never changes).
var dateSample = strings.NewReplacer(`"`, "", "mmm", "Sep", "yyyy", "2026", "yy", "26", "dd", "30", "d", "30", "hh", "12", "h", "12", "mm", "00", "ss", "00")

// groupThousands inserts a comma between every group of three digits.
func groupThousands(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	pre := len(digits) % 3
	if pre > 0 {
		b.WriteString(digits[:pre])
	}
	for i := pre; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// cellText is the text a cell value shows with a number format.
func cellText(v any, code string) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return noData
		}
		return renderNumber(code, x)
	case int64:
		return renderNumber(code, float64(x))
	case int:
		return renderNumber(code, float64(x))
	}
	return ""
}
