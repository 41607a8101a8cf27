// Package recoverykpi holds what the recoverykpi binary carries with it: the sample
// extract set that `recoverykpi run` uses when given neither --config nor --input,
// and the program version.
package recoverykpi

import (
	"embed"
	"io/fs"
	"strings"
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

//go:embed go.mod
var goMod string

// LibraryVersion returns the version of a module the program is built with, as go.mod
// requires it ("" when it is not a dependency). Reading go.mod rather than the build
// info gives the same answer in test binaries, `go run` and release builds.
func LibraryVersion(path string) string {
	for _, line := range strings.Split(goMod, "\n") {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) >= 2 && f[0] == path {
			return f[1]
		}
	}
	return ""
}
