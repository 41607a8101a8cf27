package readers

import (
	"errors"
	"strings"
	"testing"
)

// A panic in the package's own validation code is an internal error: not a
// corrupt or incomplete file, so a scheduler does not retry it, and the
// error says where it happened, with the stack.
func TestPanicInValidationIsInternalError(t *testing.T) {
	dir := t.TempDir()
	writeArrow(t, dir, "purchases.parquet", arrowOpts{}, basePurchases(col{})...)
	for _, tc := range []struct {
		name   string
		inject func()
	}{
		{"panic", func() { panic("injected bug") }},
		{"nil dereference", func() { _ = (*SetAside)(nil).Len() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tryReadTable(t, dir, "purchases", Options{beforeValidate: tc.inject}, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrInternal) {
				t.Errorf("error does not wrap ErrInternal: %v", err)
			}
			if errors.Is(err, ErrUnusable) || errors.Is(err, ErrIncomplete) {
				t.Errorf("a bug in our code is reported as a bad extract: %v", err)
			}
			msg := err.Error()
			for _, want := range []string{"internal error", "purchases.parquet", "(*TableReader).process"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error does not mention %q:\n%s", want, msg)
				}
			}
		})
	}
}
