#!/usr/bin/env python3
"""sqlite_ref.py DIR -- the store benchmark's reference (scripts/bench_store.sh): the same
commits through SQLite to a file on this host (Python's sqlite3, one transaction per commit,
journal_mode=DELETE, synchronous=FULL: a small store that survives power cuts). Prints
"sqlite_NAME,value,unit" lines for commits per second and MB/s of 1 MB values."""
import os
import sqlite3
import sys
import time

d = sys.argv[1] if len(sys.argv) > 1 else "."
path = os.path.join(d, "sqlite-ref.db")
for p in (path, path + "-journal"):
    if os.path.exists(p):
        os.unlink(p)
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=DELETE")
db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE kv (name TEXT PRIMARY KEY, value BLOB)")
n = 300
t0 = time.monotonic()
for i in range(n):
    db.execute("BEGIN")
    db.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", ("msg", repr([i, 1, 2, 3, 4, 5, 6, 7, 8, 9])))
    db.execute("COMMIT")
t = time.monotonic() - t0
print("sqlite_commits_per_s,%.0f,commits/s" % (n / t))
blob = b"\x5a" * (1 << 20)
n = 24
t0 = time.monotonic()
for i in range(n):
    db.execute("BEGIN")
    db.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", ("b%d" % (i % 8), blob))
    db.execute("COMMIT")
t = time.monotonic() - t0
print("sqlite_mb_per_s,%.1f,MB/s" % (n * len(blob) / 1e6 / t))
db.close()
os.unlink(path)
