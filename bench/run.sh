#!/bin/sh
# make bench: every benchmark (bench/[a-z]*.py), pharos and the reference side by side in the
# same run; each prints a markdown table of ratios. The combined table is
# also written to build/bench/latest.md (copy it into docs/BENCHMARKS.md).
set -eu
cd "$(dirname "$0")/.."
mkdir -p build/bench
{
	echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(uname -r)."
	echo
	for b in bench/[a-z]*.py; do
		/usr/bin/python3 "$b"
		echo
	done
} | tee build/bench/latest.md
