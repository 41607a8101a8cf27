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

// Quarters lists the labels of the quarters from..to of the job's fiscal calendar, in
// order. Bad labels, a to before from or more than 400 quarters are ErrUsage.
func (j *Job) Quarters(from, to string) ([]string, error) {
	cal := j.Calendar()
	a, err := cal.Quarter(from)
	if err != nil {
		return nil, fmt.Errorf("%w: --from: %v", ErrUsage, err)
	}
	b, err := cal.Quarter(to)
	if err != nil {
		return nil, fmt.Errorf("%w: --to: %v", ErrUsage, err)
	}
	if b.Start.Before(a.Start) {
		return nil, fmt.Errorf("%w: --to %s is before --from %s", ErrUsage, to, from)
	}
	var labels []string
	for q := a; !q.Start.After(b.Start); q = cal.Shift(q, 1) {
		labels = append(labels, q.Label)
		if len(labels) > 400 {
			return nil, fmt.Errorf("%w: --from %s --to %s spans more than 400 quarters", ErrUsage, from, to)
		}
	}
	return labels, nil
}
