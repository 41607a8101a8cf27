package publish

import "errors"

// ErrOutputExists marks a published output that a run would change: publishing
// refuses to replace it.
var ErrOutputExists = errors.New("output exists with other bytes")

// ErrLocked marks a run that gave up waiting for another run's publishing lock on the
// same output folder (LockWait).
var ErrLocked = errors.New("output folder is locked by another run")
