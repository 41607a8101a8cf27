package pipeline

import (
	"context"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestWorkersDoNotChangeTheResult computes one scorecard of 50,000 customers (seven
// chunks) on one worker and on three: the partials merge in chunk order, so every
// number is the same to the bit.
func TestWorkersDoNotChangeTheResult(t *testing.T) {
	if testing.Short() {
		t.Skip("a million purchases")
	}
	ex := newBenchExtract(memory.NewGoAllocator(), true)
	defer ex.release()
	data, err := Load(context.Background(), ex)
	if err != nil {
		t.Fatal(err)
	}
	var cards []*Scorecard
	for _, workers := range []int{1, 3} {
		s := benchSettings()
		s.Workers = workers
		sc, err := data.Scorecard(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		cards = append(cards, sc)
	}
	if len(cards[0].Winback) == 0 || len(cards[0].IntensiveCare) == 0 {
		t.Fatal("the extract gives empty worklists: nothing compared")
	}
	if !reflect.DeepEqual(cards[0], cards[1]) {
		t.Error("the scorecard on three workers differs from the one on one")
	}
}
