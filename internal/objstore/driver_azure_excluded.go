//go:build recoverykpi_noazure

package objstore

// withAzure is false in a binary built with -tags recoverykpi_noazure.
const withAzure = false
