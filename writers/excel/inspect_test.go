package excel

import (
	"os"
	"testing"
)

// TestWriteForInspection writes the fixture workbook (the empty one when
// RECOVERYKPI_EXCEL_EMPTY is set) to $RECOVERYKPI_EXCEL_OUT, to open in a spreadsheet
// program or convert to PDF and look at. It skips when the variable is unset.
func TestWriteForInspection(t *testing.T) {
	p := os.Getenv("RECOVERYKPI_EXCEL_OUT")
	if p == "" {
		t.Skip()
	}
	sc, prov := fixture()
	if os.Getenv("RECOVERYKPI_EXCEL_EMPTY") != "" {
		sc, prov = emptyFixture()
	}
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := Write(f, sc, prov); err != nil {
		t.Fatal(err)
	}
}
