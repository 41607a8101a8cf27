//go:build !recoverykpi_nogcs

package objstore

import _ "gocloud.dev/blob/gcsblob" // gs://

// withGCS is false in a binary built with -tags recoverykpi_nogcs.
const withGCS = true
