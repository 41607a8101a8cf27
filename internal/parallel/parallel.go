// Package parallel runs independent pieces of work on every core and gives their
// results back in order, so that what they produce does not depend on scheduling.
package parallel

import (
	"errors"
	"runtime"
	"sync"
)

// Encode appends items 0..n-1 to byte slices, chunk items at a time, on up to
// GOMAXPROCS goroutines, and returns the chunks in item order: joined, they are
// what encoding every item in order onto one slice gives. encode appends item i to
// buf. The first error of each chunk stops that chunk; all of them are returned.
func Encode(n, chunk int, encode func(buf []byte, i int) ([]byte, error)) ([][]byte, error) {
	if n <= 0 {
		return nil, nil
	}
	chunk = max(chunk, 1)
	out := make([][]byte, (n+chunk-1)/chunk)
	errs := make([]error, len(out))
	var wg sync.WaitGroup
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	for k := range out {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			var buf []byte
			for i := k * chunk; i < min((k+1)*chunk, n); i++ {
				var err error
				if buf, err = encode(buf, i); err != nil {
					errs[k] = err
					return
				}
			}
			out[k] = buf
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}
