package readers

import "errors"

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

// unusable wraps err so that errors.Is(err, ErrUnusable) holds, keeping err's
// text as the message.
func unusable(err error) error {
	if err == nil || errors.Is(err, ErrUnusable) {
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
