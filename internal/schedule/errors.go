package schedule

import "errors"

// ErrorKind names the kind of a run's error in logs, runs.jsonl and the webhook, and
// decides whether it is retried (see retryable).
type ErrorKind string

// Kinds of error. The runner itself recognises KindCancelled, KindExtractMissing and
// KindLock; the Options.Classify of the job names the others.
const (
	KindCancelled         ErrorKind = "cancelled"          // the run was cancelled: not retried
	KindExtractMissing    ErrorKind = "extract_missing"    // no input folder or marker yet: retried
	KindExtractIncomplete ErrorKind = "extract_incomplete" // an extract still being written: retried
	KindConfig            ErrorKind = "config"             // bad config: not retried
	KindData              ErrorKind = "data"               // unusable data: not retried
	KindConflict          ErrorKind = "conflict"           // a published output would change: not retried
	KindOther             ErrorKind = "other"              // anything else, e.g. an I/O error: retried
	KindLock              ErrorKind = "lock"               // the tick could not be claimed
)

// Errors of a tick that are not errors of a run.
var (
	errMarkerMissing = errors.New("marker file is not there yet")
	errInputMissing  = errors.New("input folder is not there yet")
)
