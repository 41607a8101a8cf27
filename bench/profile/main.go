// Command profile runs `recoverykpi run` in-process under the CPU profiler, and
// writes a heap profile at the end:
//
//	go run ./bench/profile -cpu cpu.out -heap heap.out -- run --input DIR --output OUT
//	go run ./bench/profile -trace trace.out -- run --input DIR --output OUT
//
// It runs the quarter job as the command does (internal/job), with the garbage
// collector's target of cmd/recoverykpi (internal/gctarget).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"

	"github.com/recoverykpi/recoverykpi/internal/gctarget"
	"github.com/recoverykpi/recoverykpi/internal/job"
)

// runQuarter runs `recoverykpi run` with the flags of args (args[0] is "run").
func runQuarter(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "run" {
		return errors.New("usage: profile [flags] -- run [--config FILE] [--input DIR] [--output DIR] [--quarter YYYY-Qn] [--as-of RFC3339] [--restate]")
	}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var o job.Options
	fs.StringVar(&o.Config, "config", "", "config file")
	fs.StringVar(&o.Input, "input", "", "extract set folder")
	fs.StringVar(&o.Output, "output", "", "output folder")
	fs.StringVar(&o.AsOf, "as-of", "", "as_of, RFC 3339")
	quarter := fs.String("quarter", "", "quarter YYYY-Qn")
	restate := fs.Bool("restate", false, "publish a new edition when the outputs would change")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	j, err := job.Open(o)
	if err != nil {
		return err
	}
	l, err := j.Load(ctx)
	if err != nil {
		return err
	}
	res, err := j.RunQuarter(ctx, l, *quarter, *restate)
	if err != nil {
		return err
	}
	res.Report(os.Stdout)
	return nil
}

func main() {
	cpu := flag.String("cpu", "", "write a CPU profile to this file")
	heap := flag.String("heap", "", "write an allocation profile to this file at the end")
	rate := flag.Int("memrate", 0, "runtime.MemProfileRate (0: default)")
	tracePath := flag.String("trace", "", "write an execution trace to this file (go tool trace)")
	flag.Parse()
	if os.Getenv("GOGC") == "" {
		// cmd/recoverykpi's collector target, so that the profile shows the program
		// as it runs.
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		go gctarget.Govern(ctx)
	}
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
	code := 0
	if err := runQuarter(context.Background(), flag.Args()); err != nil {
		fmt.Fprintf(os.Stderr, "profile: %v\n", err)
		code = 1
	}
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
