package job

import (
	"context"
	"errors"
	"fmt"
)

// Step is what backfilling one quarter did: its Result, or its error.
type Step struct {
	Label  string
	Result *Result
	Err    error
}

// Progress is told when a backfill starts a quarter (i counts from 0) and when it
// has done it (i counts from 1).
type Progress interface {
	Start(i int, label string)
	Done(i int, s Step)
}

// Backfill runs the quarters labels in order with one loaded extract set, so with one
// as_of, each as RunQuarter does. It stops after the first failure unless keepGoing,
// and before the next quarter once ctx is cancelled. It returns the steps done, in
// order, and an error that joins every failure.
func (j *Job) Backfill(ctx context.Context, l *Loaded, labels []string, restate, keepGoing bool, p Progress) ([]Step, error) {
	var steps []Step
	var errs []error
	for i, label := range labels {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("stopped before %s: %w", label, err))
			break
		}
		p.Start(i, label)
		res, err := j.RunQuarter(ctx, l, label, restate)
		s := Step{Label: label, Result: res, Err: err}
		steps = append(steps, s)
		p.Done(i+1, s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", label, err))
			if !keepGoing {
				break
			}
		}
	}
	if len(errs) == 0 {
		return steps, nil
	}
	return steps, fmt.Errorf("backfill %s..%s: %d of %d quarters failed: %w", labels[0], labels[len(labels)-1], len(errs), len(labels), errors.Join(errs...))
}
