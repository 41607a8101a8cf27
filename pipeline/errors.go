package pipeline

import (
	"errors"
	"fmt"
)

// Sentinel errors of the pipeline. Each wraps ErrNoData, so that a caller mapping
// errors to exit statuses needs only ErrNoData: all are unusable data (exit status 3),
// which waiting does not fix.
var (
	// ErrNoData marks an extract set that holds nothing to compute from (exit status 3).
	ErrNoData = errors.New("unusable extract")
	// ErrOverflow marks a sum of finite values (purchases.amount, offers.face_value)
	// that is out of the range of a double: the error names the table, the column, the
	// sum and, for a per-customer sum, the customer.
	ErrOverflow = fmt.Errorf("%w: a sum overflows", ErrNoData)
	// ErrImplausibleAsOf marks a default as_of (the latest instant in the data) with
	// almost no purchases in the AsOfWindowDays up to it: most likely a stray
	// timestamp. The error names the table, the column and the value that set it.
	ErrImplausibleAsOf = fmt.Errorf("%w: implausible default as_of", ErrNoData)
)

// ErrOpenQuarter marks a requested quarter that has not ended by as_of, asked for
// without AllowOpen: bad usage (exit status 2), not bad data (SPEC §7).
var ErrOpenQuarter = errors.New("open quarter")
