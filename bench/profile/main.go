// Command profile runs one recoverykpi command in-process under the CPU
// profiler, and writes a heap profile at the end:
//
//	go run ./bench/profile -cpu cpu.out -heap heap.out -- run --input DIR --output OUT
//	go run ./bench/profile -trace trace.out -- run --input DIR --output OUT
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"

	"github.com/recoverykpi/recoverykpi/internal/cli"
)

func main() {
	cpu := flag.String("cpu", "", "write a CPU profile to this file")
	heap := flag.String("heap", "", "write an allocation profile to this file at the end")
	rate := flag.Int("memrate", 0, "runtime.MemProfileRate (0: default)")
	tracePath := flag.String("trace", "", "write an execution trace to this file (go tool trace)")
	flag.Parse()
	if *tracePath != "" {
		f, err := os.Create(*tracePath)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := trace.Start(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer trace.Stop()
	}
	if *rate > 0 {
		runtime.MemProfileRate = *rate
	}
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	code := cli.Main(context.Background(), flag.Args(), os.Stdout, os.Stderr)
	if *cpu != "" {
		pprof.StopCPUProfile()
	}
	if *heap != "" {
		f, err := os.Create(*heap)
		if err == nil {
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	if *tracePath != "" {
		trace.Stop()
	}
	os.Exit(code)
}
