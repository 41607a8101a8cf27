//go:build recoverykpi_nos3

package objstore

// withS3 is false in a binary built with -tags recoverykpi_nos3.
const withS3 = false
