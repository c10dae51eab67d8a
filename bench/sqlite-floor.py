#!/usr/bin/env python3
"""The least SQLite can spend on a call's durable record on this machine, whatever the
server around it: batches of calls, each one row for the call and one for its leg, in
one WAL transaction committed with a flush (synchronous=FULL), as the server commits a
batch. Run with no index at all (the floor of any design), and with one unique index
on a random CallSid (what finding a call by its SID adds). Prints calls/s, wall and CPU
microseconds per call. Python's sqlite3 is C: its own work here is about 1 µs a call.
Debian's build zeroes freed space (SECURE_DELETE): turned off below, as the server's
SQLite does not.
Usage: bench/sqlite-floor.py [calls] [batch ...]"""
import os
import secrets
import sqlite3
import sys
import tempfile
import time

CALLS = int(sys.argv[1]) if len(sys.argv) > 1 else 150_000
BATCHES = [int(b) for b in sys.argv[2:]] or [28, 64]
CALL_ROW = "x" * 420  # about a ringing call's row with its trace
LEG_ROW = "y" * 120


def run(batch, sid_index):
    with tempfile.TemporaryDirectory() as work:
        db = sqlite3.connect(os.path.join(work, "floor.db"), isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "secure_delete=OFF",
                       "temp_store=memory", "wal_autocheckpoint=250"):
            db.execute(f"PRAGMA {pragma}")
        unique = " UNIQUE" if sid_index else ""
        db.execute(f"CREATE TABLE calls (id INTEGER PRIMARY KEY, call_sid TEXT{unique}, body TEXT)")
        db.execute("CREATE TABLE legs (id INTEGER PRIMARY KEY, call_id INTEGER, body TEXT)")
        calls = "INSERT INTO calls (call_sid, body) VALUES " + ",".join(["(?, ?)"] * batch)
        legs = "INSERT INTO legs (call_id, body) VALUES " + ",".join(["(?, ?)"] * batch)
        done, wall, cpu = 0, time.perf_counter(), time.process_time()
        while done < CALLS:
            call_values, leg_values = [], []
            for i in range(batch):
                call_values += ["CA" + secrets.token_hex(16), CALL_ROW]
                leg_values += [done + i + 1, LEG_ROW]
            db.execute("BEGIN IMMEDIATE")
            db.execute(calls, call_values)
            db.execute(legs, leg_values)
            db.execute("COMMIT")
            done += batch
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        kind = "unique random CallSid index" if sid_index else "no index"
        print(f"sqlite floor, {kind}, batches of {batch}: {done / wall:.0f} calls/s, "
              f"wall {1e6 * wall / done:.1f} µs a call, cpu {1e6 * cpu / done:.1f} µs a call")


print(f"SQLite {sqlite3.sqlite_version}, {CALLS} calls a run")
for b in BATCHES:
    for index in (False, True):
        run(b, index)
