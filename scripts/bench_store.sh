#!/bin/bash
# bench_store.sh -- make bench's store table: the SD store's core on a file of this host's disk
# (build/bench/store_bench: commits per second, MB/s of 1 MB values, time to collect a group,
# a cross-group link against a copy, the cache on a walk of a 200000-pair list through 256 KiB,
# the same list as persistent cells through 256 KiB and 8 MiB: a field read, a field write, the
# commit, and store_ref of the whole per element beside them; writes per physical group after
# 2000 commits, RAM of the mapping for 64 MiB and 4 GiB cards, and on each the whole-store
# mark over a 100000-pair list beside a 50000-pair garbage cycle: its time, RAM and card area),
# and in the same run the same commits through SQLite (tests/bench/store/sqlite_ref.py, one
# transaction per commit, synchronous=FULL). Writes build/bench/store.csv
# (system,metric,value,unit) and prints it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=build/bench
work=$out/store
mkdir -p "$work"
csv=$out/store.csv
echo "system,metric,value,unit" > "$csv"
"$out/store_bench" "$work" | sed 's/^/ours,/' >> "$csv"
python3 tests/bench/store/sqlite_ref.py "$work" | sed 's/^sqlite_/sqlite,/' >> "$csv"
column -s, -t < "$csv"
