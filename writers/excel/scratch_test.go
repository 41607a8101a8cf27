package excel

import (
	"os"
	"testing"
)

func TestScratchWrite(t *testing.T) {
	p := os.Getenv("SCRATCH_XLSX")
	if p == "" {
		t.Skip()
	}
	sc, prov := fixture()
	if os.Getenv("SCRATCH_EMPTY") != "" {
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
