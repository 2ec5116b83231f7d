# Exercise day3-watermarks (`labs exercise day3-watermarks`): give both streaming aggregations the watermark
# that bounds their state: events up to 2 minutes late are counted, older ones dropped. Find the TODO below.
"""Lab day3-watermarks: event-time windows (tumbling and sliding) with a watermark, and late events.

The job is its own event producer: it writes small JSON files of click events into an input directory one
at a time, and after each file waits until the streaming queries have processed it (processAllAvailable),
so every file is exactly one micro-batch and the watermark moves the same way on every run:

  file  events (event time, mm:ss after 12:00)        batch's eviction watermark   batch's late-event watermark
  1     00:05 00:20 00:50 01:10 01:40 02:30           -                            -
  2     03:00 03:20 05:10 06:00                       00:30 (02:30 - 2 min)        -
  3     05:30                                         04:00 (06:00 - 2 min)        00:30
  4     late but in time: 04:30 05:50 04:05           04:00                        04:00
        too late: 01:30 03:50 (their window ended at or before 04:00)
  5     10:00                                         04:00                        04:00
  6     30:00 (only moves time on)                    08:00                        04:00

Since Spark 3.4 a stateful operator uses two watermarks per batch: it evicts (and in append mode emits) the
windows that end at or before the watermark computed from the earlier batches, but drops input rows as late
only against the previous batch's watermark. File 3 is there so that the late events of file 4 meet a late-event
watermark of 04:00.

Two queries read the same directory:
  tumbling  1-minute windows, output mode "update": every batch emits the windows whose count changed
  sliding   2-minute windows every minute, output mode "append": a window is emitted once, when the
            watermark passes its end, and never changes afterwards

Both sink into foreachBatch, which collects what each batch emitted. The expected tables are computed from
the event list above in plain Python (expected_counts), and the job compares.

Run: spark-submit --py-files labkit.py day3_watermarks.py --out DIR --root DIR
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any, Dict, List, Tuple

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

import labkit

BASE = dt.datetime(2026, 1, 15, 12, 0, 0)
# TODO 1: the watermark delay of both queries. The lab's late events are up to 2 minutes behind the newest one
# and must count; older ones must be dropped and a window's state freed once the watermark passes its end.
# The placeholder bounds nothing: every window stays in the state, no late event is ever dropped, and append
# mode never emits a window.
DELAY = "1000 hours"
DELAY_S = 120
#: (mm:ss, user) per file; see the module docstring
FILES: List[List[Tuple[str, str]]] = [
    [("00:05", "ann"), ("00:20", "bob"), ("00:50", "ann"), ("01:10", "cid"), ("01:40", "bob"), ("02:30", "ann")],
    [("03:00", "bob"), ("03:20", "cid"), ("05:10", "ann"), ("06:00", "bob")],
    [("05:30", "cid")],
    [("04:30", "ann"), ("05:50", "cid"), ("04:05", "bob"), ("01:30", "late-ann"), ("03:50", "late-bob")],
    [("10:00", "ann")],
    [("30:00", "clock")],
]
SCHEMA = T.StructType([T.StructField("event_time", T.TimestampType()), T.StructField("user", T.StringType())])


def at(mmss: str) -> dt.datetime:
    m, s = mmss.split(":")
    return BASE + dt.timedelta(minutes=int(m), seconds=int(s))


def hhmm(t: dt.datetime) -> str:
    return t.strftime("%H:%M")


# ------------------------------------------------------------------------------ expected, in plain Python


def watermarks() -> List[Dict[str, Any]]:
    """The two watermarks Spark (3.4+) uses in each batch, one batch per file.

    eviction: max event time of all EARLIER batches minus the delay: windows ending at or before it are
              finalised (append mode emits them) and their state is dropped
    late:     the eviction watermark of the PREVIOUS batch: an input row whose window ends at or before it is
              dropped as too late (one batch behind, so that chained stateful operators agree)
    """
    out, max_seen, previous_eviction = [], None, None
    for events in FILES:
        eviction = None if max_seen is None else max_seen - dt.timedelta(seconds=DELAY_S)
        out.append({"eviction": eviction, "late": previous_eviction})
        previous_eviction = eviction
        batch_max = max(at(m) for m, _ in events)
        max_seen = batch_max if max_seen is None else max(max_seen, batch_max)
    return out


def expected_counts() -> Dict[str, Any]:
    """Replay the files with the watermark rules: the final tumbling counts (update mode: every window that ever
    got an event), the sliding windows append mode emits (end <= the last batch's eviction watermark), and the
    events dropped from their tumbling window as too late."""
    marks = watermarks()
    tumbling: Dict[str, int] = {}
    sliding: Dict[str, int] = {}
    dropped = []
    for events, wm in zip(FILES, marks):
        for mmss, user in events:
            t = at(mmss)
            start = t.replace(second=0)
            late = lambda end: wm["late"] is not None and end <= wm["late"]  # noqa: E731
            if late(start + dt.timedelta(minutes=1)):
                dropped.append(f"{mmss} {user}")
            else:
                tumbling[hhmm(start)] = tumbling.get(hhmm(start), 0) + 1
            for back in (0, 1):  # a 2-minute window every minute: each event falls in two windows
                s = start - dt.timedelta(minutes=back)
                if not late(s + dt.timedelta(minutes=2)):
                    sliding[hhmm(s)] = sliding.get(hhmm(s), 0) + 1
    last_eviction = marks[-1]["eviction"]
    emitted = {k: v for k, v in sliding.items() if BASE.replace(hour=int(k[:2]), minute=int(k[3:])) + dt.timedelta(minutes=2) <= last_eviction}
    return {
        "tumbling": dict(sorted(tumbling.items())),
        "sliding_emitted": dict(sorted(emitted.items())),
        "dropped": dropped,
        "watermarks": [{k: (v.strftime("%H:%M:%S") if v else None) for k, v in m.items()} for m in marks],
    }


# ------------------------------------------------------------------------------------------- transforms


def tumbling_counts(events: DataFrame) -> DataFrame:
    return events.withWatermark("event_time", DELAY).groupBy(F.window("event_time", "1 minute")).agg(F.count(F.lit(1)).alias("clicks"))


def sliding_counts(events: DataFrame) -> DataFrame:
    return events.withWatermark("event_time", DELAY).groupBy(F.window("event_time", "2 minutes", "1 minute")).agg(F.count(F.lit(1)).alias("clicks"))


class Collector:
    """foreachBatch target: keeps (batch id, window start, count) of every emitted row (runs on the driver)."""

    def __init__(self) -> None:
        self.rows: List[Tuple[int, str, int]] = []

    def __call__(self, df: DataFrame, batch_id: int) -> None:
        # The window start as text in the session time zone (the one the event times were parsed in).
        for r in df.select(F.date_format("window.start", "HH:mm").alias("w"), "clicks").collect():
            self.rows.append((batch_id, r["w"], int(r["clicks"])))


def progress_summary(query) -> Dict[str, Any]:
    batches = [json.loads(p.json) if hasattr(p, "json") else p for p in query.recentProgress]
    out = []
    for p in batches:
        ops = p.get("stateOperators", [])
        out.append(
            {
                "batch": p["batchId"],
                "input_rows": p.get("numInputRows", 0),
                "watermark": p.get("eventTime", {}).get("watermark"),
                "dropped_by_watermark": sum(o.get("numRowsDroppedByWatermark", 0) for o in ops),
                "state_rows": sum(o.get("numRowsTotal", 0) for o in ops),
            }
        )
    return {"batches": out, "dropped_by_watermark": sum(b["dropped_by_watermark"] for b in out)}


def transform(spark: SparkSession, root: str, timeout_s: int) -> Dict[str, Any]:
    root = root.rstrip("/")
    source, ckpt = f"{root}/input", f"{root}/checkpoints"
    spark._jvm.org.apache.hadoop.fs.Path(source).getFileSystem(spark._jsc.hadoopConfiguration()).mkdirs(spark._jvm.org.apache.hadoop.fs.Path(source))
    events = spark.readStream.schema(SCHEMA).option("maxFilesPerTrigger", 1).json(source)
    tumbling, sliding = Collector(), Collector()
    q_tumbling = tumbling_counts(events).writeStream.outputMode("update").option("checkpointLocation", f"{ckpt}/tumbling").foreachBatch(tumbling).start()
    q_sliding = sliding_counts(events).writeStream.outputMode("append").option("checkpointLocation", f"{ckpt}/sliding").foreachBatch(sliding).start()
    deadline = time.monotonic() + timeout_s
    try:
        for i, evs in enumerate(FILES, start=1):
            lines = "\n".join(json.dumps({"event_time": at(m).isoformat(), "user": u}) for m, u in evs) + "\n"
            labkit.write_text(spark, f"{source}/events-{i:02d}.json", lines)
            for q in (q_tumbling, q_sliding):
                q.processAllAvailable()  # this file is now one whole micro-batch of each query
            if time.monotonic() > deadline:
                raise TimeoutError(f"streaming did not finish within {timeout_s}s")
    finally:
        for q in (q_tumbling, q_sliding):
            q.stop()

    final_tumbling: Dict[str, int] = {}
    for _, w, c in sorted(tumbling.rows):  # update mode: the last emitted count of a window is its count
        final_tumbling[w] = c
    sliding_emitted: Dict[str, int] = {}
    emitted_twice = []
    for _, w, c in sorted(sliding.rows):
        if w in sliding_emitted:
            emitted_twice.append(w)
        sliding_emitted[w] = c
    expected = expected_counts()
    tp, sp = progress_summary(q_tumbling), progress_summary(q_sliding)
    return {
        "params": {"watermark_delay": DELAY, "files": len(FILES), "events": sum(len(f) for f in FILES)},
        "watermarks": expected["watermarks"],
        "expected": expected,
        "tumbling": {
            "counts": dict(sorted(final_tumbling.items())),
            "emitted_rows": len(tumbling.rows),
            "emissions": [{"batch": b, "window": w, "clicks": c} for b, w, c in tumbling.rows],
            "dropped_by_watermark": tp["dropped_by_watermark"],
            "progress": tp["batches"],
        },
        "sliding": {
            "counts": dict(sorted(sliding_emitted.items())),
            "emitted_twice": emitted_twice,
            "emitted_twice_count": len(emitted_twice),
            "emissions": [{"batch": b, "window": w, "clicks": c} for b, w, c in sliding.rows],
            "progress": sp["batches"],
        },
        "tumbling_matches_expected": dict(sorted(final_tumbling.items())) == expected["tumbling"],
        "sliding_matches_expected": dict(sorted(sliding_emitted.items())) == expected["sliding_emitted"],
        # the window 12:04 holds two events that arrived late but within the watermark (04:30, 04:05)
        "late_within_window_1204": final_tumbling.get("12:04"),
        # the window 12:01 lost its too-late event (01:30): 2 instead of 3
        "late_beyond_window_1201": final_tumbling.get("12:01"),
    }


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--root", required=True, help="input files and checkpoints of the two queries")
        p.add_argument("--timeout", type=int, default=300, help="give up after this many seconds")

    labkit.run_step("day3-watermarks", extra, lambda spark, args: transform(spark, args.root, args.timeout), argv)


if __name__ == "__main__":
    main()
