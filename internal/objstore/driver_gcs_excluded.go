//go:build recoverykpi_nogcs

package objstore

// withGCS is false in a binary built with -tags recoverykpi_nogcs.
const withGCS = false
