"""Test helper (not a program to record): leaves a finished recording as a recorder killed inside a commit would
leave it. Opens REC with the writer's settings (synchronous off, rollback journal kept between commits), begins
a commit big enough to spill pages into the file, and SIGKILLs itself before it finishes: the file holds part
of the commit, REC-journal the pages as they were. Usage: python interrupt_commit.py REC
"""
import os
import signal
import sqlite3
import sys

path = sys.argv[1]
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA synchronous=OFF")
db.execute("PRAGMA journal_mode=PERSIST")
db.execute("PRAGMA cache_size=2")  # pages; the writer's default is ~2 MiB, the blob below exceeds either
db.execute("BEGIN")
db.execute("UPDATE meta SET value = 'half-written' WHERE key = 'status'")
db.execute("INSERT INTO chunks (tbl, seq, first_row, row_count, data) VALUES ('steps', 1000000, 0, 1, ?)",
           (os.urandom(4 << 20),))
with open(path + "-journal", "rb") as journal:
    if journal.read(8) != bytes.fromhex("d9d505f920a163d7"):
        sys.exit("the commit did not spill: no live journal")
os.kill(os.getpid(), signal.SIGKILL)
