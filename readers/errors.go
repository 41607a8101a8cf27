package readers

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// ErrUnusable marks every error that means the extract set cannot be used: a
// missing required table or column, a column of a type outside SPEC §2, an
// unreadable, corrupt or non-Parquet file, or part files of one table whose
// schemas conflict. cmd maps it to exit status 3. Test with errors.Is.
var ErrUnusable = errors.New("unusable extract")

// ErrIncomplete marks the unusable-extract errors that an extract still being written
// also produces: a required table whose files have not landed, a file too short to
// hold a footer, a torn page, fewer rows than the footer promises, a file that changed
// while it was read. A scheduler may retry these later; every other ErrUnusable error
// is a data error that waiting does not fix. Every ErrIncomplete error is also
// ErrUnusable.
var ErrIncomplete = errors.New("extract incomplete")

// ErrInternal marks a bug in this package: a panic in its own code (not in
// the Parquet or Arrow library reading a file), recovered so that the program
// can report it. Its text reads "internal error: panic while <doing what>:
// <panic value>" followed by the stack. It is neither ErrUnusable nor ErrIncomplete: the extract set is not
// to blame, and retrying will not help. cmd maps it to exit status 1.
var ErrInternal = errors.New("internal error")

// internalPanic turns a recovered panic value p of the package's own code
// into an error wrapping ErrInternal, with the stack of the panicking
// goroutine. It must be called from the deferred function that recovered p.
func internalPanic(where string, p any) error {
	return fmt.Errorf("%w: panic while %s: %v\n%s", ErrInternal, where, p, debug.Stack())
}

// recoverInternal, deferred by an exported function with a named error
// result, turns a panic of the package's own code into that error.
func recoverInternal(err *error, where string) {
	if p := recover(); p != nil {
		*err = internalPanic(where, p)
	}
}

// unusable wraps err so that errors.Is(err, ErrUnusable) holds, keeping err's
// text as the message.
func unusable(err error) error {
	if err == nil || errors.Is(err, ErrUnusable) || errors.Is(err, ErrInternal) {
		return err
	}
	return &unusableError{err: err}
}

// Incomplete wraps err so that errors.Is holds for both ErrIncomplete and
// ErrUnusable, keeping err's text as the message.
func Incomplete(err error) error {
	if err == nil || errors.Is(err, ErrIncomplete) {
		return err
	}
	return &unusableError{err: err, incomplete: true}
}

type unusableError struct {
	err        error
	incomplete bool
}

func (e *unusableError) Error() string { return e.err.Error() }

func (e *unusableError) Unwrap() []error {
	if e.incomplete {
		return []error{e.err, ErrIncomplete, ErrUnusable}
	}
	return []error{e.err, ErrUnusable}
}
