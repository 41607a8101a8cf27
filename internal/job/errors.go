package job

import "errors"

// Sentinel errors of a job; internal/cli maps them to exit statuses.
var (
	// ErrUsage marks a request that cannot be run as given: an unknown command or
	// flag, a malformed value, no input folder, a manifest that cannot be read.
	ErrUsage = errors.New("bad usage")
	// ErrTooManyInvalid marks a table whose set-aside share exceeds the limit.
	ErrTooManyInvalid = errors.New("too many invalid rows")
)
