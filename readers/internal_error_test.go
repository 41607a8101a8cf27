package readers

import (
	"errors"
	"strings"
	"testing"
)

// A panic in the package's own code, in validation or in the decoder
// goroutine, is an internal error: not a corrupt or incomplete file, so a
// scheduler does not retry it, and the error says where it happened, with
// the stack. Nothing leaks (tryReadTable checks the allocator).
func TestPanicInOwnCodeIsInternalError(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
	for _, tc := range []struct {
		name  string
		stage string
		bug   func()
		want  []string
	}{
		{"validation panics", "validate", func() { panic("injected bug") },
			[]string{"internal error: panic while reading purchases.parquet: injected bug", "(*TableReader).process"}},
		{"validation dereferences nil", "validate", func() { _ = (*SetAside)(nil).Len() },
			[]string{"internal error: panic while reading purchases.parquet: runtime error", "(*TableReader).process"}},
		{"decoder panics", "decode", func() { panic("injected bug") },
			[]string{"internal error: panic while decoding table purchases: injected bug", "(*TableReader).decodeFiles"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hook := func(stage string) {
				if stage == tc.stage {
					tc.bug()
				}
			}
			_, err := tryReadTable(t, dir, "purchases", Options{testHook: hook}, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInternal) {
				t.Errorf("error does not wrap ErrInternal: %v", err)
			}
			if errors.Is(err, ErrUnusable) || errors.Is(err, ErrIncomplete) {
				t.Errorf("a bug in our code is reported as a bad extract: %v", err)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not mention %q:\n%s", want, err)
				}
			}
		})
	}
}
