#!/usr/bin/env bash
# bench/run.sh: end-to-end benchmark of `recoverykpi run` against the DuckDB
# reference and against a bare Parquet scan, on one generated extract set laid out
# two ways: as the generator writes it ("generator": dictionary-encoded ids, purchases
# in many partition files) and rewritten by DuckDB with its defaults as a warehouse or
# Spark job writes it ("duckdb": PLAIN-encoded high-cardinality ids, 122,880-row row
# groups, snappy, a few large purchase files; bench/duckdb-layout.mjs).
#
#   bench/run.sh                      # 300,000 customers, both layouts, 3 runs of each
#   CUSTOMERS=3000000 REFERENCE=0 LAYOUTS=duckdb bench/run.sh
#
# Environment: CUSTOMERS (300000), RUNS (3), REFERENCE (1: run the reference),
# PAUSE (3: seconds of rest before each timed command),
# LAYOUTS ("generator duckdb"), BENCH_DIR (/tmp/bench: extract sets are generated
# there once and reused).
#
# The reference, the project and the scan (files one after another, as a run
# decodes them; then again two files at a time, "scan2", the floor of decoding
# with both cores) run alternately, RUNS times each, on
# the same files with the same quarter and as_of (taken from a warm-up run of
# the project, which also warms the page cache). Wall time and peak RSS come
# from /usr/bin/time -v; the table shows medians and the ratios of medians.
set -euo pipefail

CUSTOMERS=${CUSTOMERS:-300000}
RUNS=${RUNS:-3}
PAUSE=${PAUSE:-3}
REFERENCE=${REFERENCE:-1}
LAYOUTS=${LAYOUTS:-generator duckdb}
BENCH_DIR=${BENCH_DIR:-/tmp/bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=$BENCH_DIR/x$CUSTOMERS
BIN=$BENCH_DIR/work-$CUSTOMERS/bin

[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time (GNU time) is required" >&2; exit 2; }
mkdir -p "$BIN"

echo "== build"
(cd "$ROOT" && go build -o "$BIN/recoverykpi" ./cmd/recoverykpi && go build -o "$BIN/scan" ./bench/scan)

if [ ! -f "$DATA/.complete" ]; then
	echo "== generate $CUSTOMERS customers into $DATA (once)"
	rm -rf "$DATA"
	"$BIN/recoverykpi" generate --customers "$CUSTOMERS" --output "$DATA" >/dev/null
	touch "$DATA/.complete"
fi
echo "extract set: $DATA ($(du -shL "$DATA" | cut -f1))"
if { [ "$REFERENCE" = 1 ] || [[ " $LAYOUTS " == *" duckdb "* ]]; } && [ ! -d "$ROOT/testdata/reference/node_modules" ]; then
	echo "== npm install in testdata/reference (the DuckDB reference, once)"
	command -v npm >/dev/null || { echo "bench: the reference and the duckdb layout need Node.js and npm (or REFERENCE=0 LAYOUTS=generator)" >&2; exit 2; }
	(cd "$ROOT/testdata/reference" && npm install --no-audit --no-fund --loglevel=error)
fi

# timed NAME I CMD...: runs CMD under /usr/bin/time -v, records wall seconds
# and peak RSS (KiB) in $WORK/NAME.times.
timed() {
	local name=$1 i=$2
	shift 2
	local tv=$WORK/$name.$i.time
	# The previous command may have held gigabytes (the reference 3.4 GiB at
	# 300,000 customers, a run 2.3 GiB at 3 million); right after it exits, the
	# kernel is still taking those pages back, and the next command measured
	# ran 1-3 s slower at 3 million customers. Each command starts after a pause.
	sleep "$PAUSE"
	if ! /usr/bin/time -v -o "$tv" "$@" >"$WORK/$name.$i.out" 2>"$WORK/$name.$i.err"; then
		echo "bench: $name run $i failed:" >&2
		tail -5 "$WORK/$name.$i.err" >&2
		exit 1
	fi
	local wall rss
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(k=1;k<=n;k++) s=s*60+p[k]; print s}' "$tv")
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tv")
	echo "$wall $rss" >>"$WORK/$name.times"
	printf '  %-9s run %d: %7.2f s  %8.0f MiB\n' "$name" "$i" "$wall" "$((rss / 1024))"
}

if [[ " $LAYOUTS " == *" duckdb "* ]] && [ ! -f "$DATA-duckdb/.complete" ]; then
	echo "== rewrite it with DuckDB's defaults into $DATA-duckdb (once)"
	rm -rf "$DATA-duckdb"
	(cd "$ROOT/testdata/reference" && node --input-type=module - "$DATA" "$DATA-duckdb" <"$ROOT/bench/duckdb-layout.mjs")
	touch "$DATA-duckdb/.complete"
fi

# bench_layout LAYOUT DATA: the rounds and the table of one layout.
bench_layout() {
	local LAYOUT=$1 DATA=$2
	local WORK=$BENCH_DIR/work-$CUSTOMERS-$LAYOUT
	mkdir -p "$WORK"
	echo
	echo "##### layout $LAYOUT: $DATA ($(du -shL "$DATA" | cut -f1))"
	echo "== warm-up run (fixes quarter and as_of)"
	rm -rf "$WORK/out"
	"$BIN/recoverykpi" run --input "$DATA" --output "$WORK/out" >"$WORK/warmup.out"
	QUARTER=$(awk '/published/ {sub(":", "", $1); print $1; exit}' "$WORK/warmup.out")
	ASOF=$(sed -n 's/.*as_of \([^ ,)]*\).*/\1/p' "$WORK/warmup.out" | head -1)
	[ -n "$QUARTER" ] && [ -n "$ASOF" ] || { echo "bench: cannot read quarter and as_of from the warm-up run" >&2; cat "$WORK/warmup.out" >&2; exit 1; }
	echo "quarter $QUARTER, as_of $ASOF"

	rm -f "$WORK"/*.times
	for i in $(seq 1 "$RUNS"); do
		echo "== round $i"
		if [ "$REFERENCE" = 1 ]; then
			(cd "$ROOT/testdata/reference" && timed reference "$i" node duckdb-reference.mjs --input "$DATA" --quarter "$QUARTER" --as-of "$ASOF")
		fi
		rm -rf "$WORK/out"
		timed project "$i" "$BIN/recoverykpi" run --input "$DATA" --output "$WORK/out" --quarter "$QUARTER" --as-of "$ASOF"
		timed scan "$i" "$BIN/scan" -input "$DATA"
		timed scan2 "$i" "$BIN/scan" -input "$DATA" -workers 2
	done

	ROWS=$(sed -n 's/.* files, \([0-9]*\) rows.*/\1/p' "$WORK/scan.1.out")
	median() { sort -n | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
	stat() { awk -v c="$2" '{print $c}' "$WORK/$1.times" | median; }

	echo
	echo "== $LAYOUT layout: $CUSTOMERS customers, $ROWS rows in all tables, quarter $QUARTER, as_of $ASOF, $RUNS runs each (medians)"
	printf '%-10s %10s %12s %14s\n' "" "wall (s)" "peak RSS" "rows/s"
	for name in reference project scan scan2; do
		[ -f "$WORK/$name.times" ] || continue
		w=$(stat "$name" 1)
		r=$(stat "$name" 2)
		printf '%-10s %10.2f %8.0f MiB %14.0f\n' "$name" "$w" "$(awk -v r="$r" 'BEGIN {print r/1024}')" "$(awk -v n="$ROWS" -v w="$w" 'BEGIN {print n/w}')"
	done
	pw=$(stat project 1)
	sw=$(stat scan 1)
	if [ -f "$WORK/reference.times" ]; then
		rw=$(stat reference 1)
		printf 'project / reference: %.2f (target <= 0.50)\n' "$(awk -v a="$pw" -v b="$rw" 'BEGIN {print a/b}')"
	fi
	printf 'project / bare scan: %.2f (target <= 1.60 on the generator layout, 1.50 on duckdb)\n' "$(awk -v a="$pw" -v b="$sw" 'BEGIN {print a/b}')"
	printf 'project / bare scan on both cores: %.2f (for comparison)\n' "$(awk -v a="$pw" -v b="$(stat scan2 1)" 'BEGIN {print a/b}')"
}

for layout in $LAYOUTS; do
	case $layout in
	generator) bench_layout generator "$DATA" ;;
	duckdb) bench_layout duckdb "$DATA-duckdb" ;;
	*) echo "bench: unknown layout $layout (generator, duckdb)" >&2; exit 2 ;;
	esac
done
