//go:build !recoverykpi_nos3

package objstore

import _ "gocloud.dev/blob/s3blob" // s3://

// withS3 is false in a binary built with -tags recoverykpi_nos3.
const withS3 = true
