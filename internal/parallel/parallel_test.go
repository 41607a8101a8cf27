package parallel

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"testing"
)

// The chunks joined are the items encoded in order, whatever the chunk size.
func TestEncodeKeepsOrder(t *testing.T) {
	for _, n := range []int{0, 1, 7, 100, 1001} {
		var want []byte
		for i := range n {
			want = strconv.AppendInt(append(want, ' '), int64(i), 10)
		}
		for _, chunk := range []int{0, 1, 3, 64, 5000} {
			chunks, err := Encode(n, chunk, func(buf []byte, i int) ([]byte, error) {
				return strconv.AppendInt(append(buf, ' '), int64(i), 10), nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := bytes.Join(chunks, nil); !bytes.Equal(got, want) {
				t.Fatalf("n=%d chunk=%d: %q, want %q", n, chunk, got, want)
			}
		}
	}
}

func TestEncodeReportsErrors(t *testing.T) {
	bad := errors.New("bad item")
	_, err := Encode(50, 8, func(buf []byte, i int) ([]byte, error) {
		if i == 17 || i == 40 {
			return nil, fmt.Errorf("item %d: %w", i, bad)
		}
		return buf, nil
	})
	if !errors.Is(err, bad) || !bytes.Contains([]byte(err.Error()), []byte("item 17")) || !bytes.Contains([]byte(err.Error()), []byte("item 40")) {
		t.Fatalf("error %v, want both failing items", err)
	}
}
