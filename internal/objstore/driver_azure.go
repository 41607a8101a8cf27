//go:build !recoverykpi_noazure

package objstore

import _ "gocloud.dev/blob/azureblob" // azblob://

// withAzure is false in a binary built with -tags recoverykpi_noazure.
const withAzure = true
