// Package recoverykpi holds what the recoverykpi binary carries with it: the sample
// extract set that `recoverykpi run` uses when given neither --config nor --input,
// and the program version.
package recoverykpi

import (
	"embed"
	"io/fs"
)

// Version is the program version, written into every manifest and onto the Audit
// sheet. Release builds set it with
// -ldflags "-X github.com/recoverykpi/recoverykpi.Version=1.2.3".
var Version = "0.1.0"

//go:embed testdata/sample
var sample embed.FS

// Sample returns the embedded sample extract set (made by `recoverykpi generate
// --customers 600 --seed 7`).
func Sample() fs.FS {
	sub, err := fs.Sub(sample, "testdata/sample")
	if err != nil {
		panic(err) // the embed pattern above guarantees the folder
	}
	return sub
}
