package verify

import "errors"

// ErrMismatch marks a verify that found a difference: an input or an output differs
// from what the manifest records.
var ErrMismatch = errors.New("the manifest does not match")
