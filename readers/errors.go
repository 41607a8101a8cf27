package readers

import "errors"

// ErrUnusable marks every error that means the extract set cannot be used: a
// missing required table or column, a column of a type outside SPEC §2, an
// unreadable, corrupt or non-Parquet file, or part files of one table whose
// schemas conflict. cmd maps it to exit status 3. Test with errors.Is.
var ErrUnusable = errors.New("unusable extract")

// unusable wraps err so that errors.Is(err, ErrUnusable) holds, keeping err's
// text as the message.
func unusable(err error) error {
	if err == nil || errors.Is(err, ErrUnusable) {
		return err
	}
	return &unusableError{err: err}
}

type unusableError struct{ err error }

func (e *unusableError) Error() string { return e.err.Error() }

func (e *unusableError) Unwrap() []error { return []error{e.err, ErrUnusable} }
