package publish

import "errors"

// ErrOutputExists marks a published output that a run would change: publishing
// refuses to replace it.
var ErrOutputExists = errors.New("output exists with other bytes")
