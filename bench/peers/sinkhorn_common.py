"""What the Sinkhorn peers share: the data files, the timing rule, the size caps and the
JSON rows (bench/sinkhorn_peers.sh).

The data (written by sinkhorn_data.py, read by every side, gradflow included): for each
size n and dimension d, x ~ N(0, I_d) and y ~ N(0, I_d) + e_1 (shifted by 1 along the first
axis), n = m points each, float32, in DIR/x_n{n}_d{d}.npy and DIR/y_n{n}_d{d}.npy, drawn by
numpy's default_rng([20250601, n, d]) (x first, then y).

Timing rule: one untimed warm-up run, then `repeats` timed runs, and the row gives their
median. A warm-up only matters for short runs (first-touch allocation, lazy
initialisation); when the warm-up itself took longer than LONG_RUN seconds, it is the one
timed run reported (`runs` has one entry) instead of repeating a minutes-long solve.

Caps: a size is skipped (a row with `skipped` and the reason, also written to standard
error) when its estimated peak memory exceeds 80 % of MemAvailable, or when its run time,
extrapolated from the previous size of the same (d, blur) by the ratio of n*m, exceeds the
cap; a run that goes past the cap anyway is stopped by an alarm, and that size and the
larger ones of the same (d, blur) are skipped.
"""

import json
import os
import signal
import statistics
import sys
import time

SEED = 20250601
LONG_RUN = 10.0


def data_paths(directory, n, d):
    """The .npy files of the x and y clouds of size n in dimension d."""
    return (
        os.path.join(directory, f"x_n{n}_d{d}.npy"),
        os.path.join(directory, f"y_n{n}_d{d}.npy"),
    )


def load(directory, n, d):
    """The two float32 clouds (n x d numpy arrays) of sinkhorn_data.py."""
    import numpy as np

    x_path, y_path = data_paths(directory, n, d)
    return np.load(x_path), np.load(y_path)


def mem_available():
    """MemAvailable from /proc/meminfo, in bytes (None where unreadable)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


class CapExceeded(Exception):
    """A timed run went past the time cap."""


def _alarm(signum, frame):
    raise CapExceeded()


def timed(run, cap):
    """Seconds taken by `run()` (its result returned too), stopped by SIGALRM after `cap`
    seconds (CapExceeded). Python checks for the signal between bytecodes, so a long
    native call finishes before the alarm is seen."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, cap)
    try:
        t = time.perf_counter()
        out = run()
        return time.perf_counter() - t, out
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def median_seconds(run, repeats, cap):
    """The timing rule of this module: (median seconds, list of timed seconds, last result)."""
    warm, out = timed(run, cap)
    if warm > LONG_RUN:
        return warm, [warm], out
    times = []
    for _ in range(repeats):
        t, out = timed(run, cap)
        times.append(t)
    return statistics.median(times), times, out


class Sizes:
    """Walks the sizes of one (d, blur) in increasing order, applying the caps."""

    def __init__(self, cap, bytes_per_pair, available=mem_available):
        self.cap = cap
        self.bytes_per_pair = bytes_per_pair
        self.available = available  # () -> bytes free where the run allocates, or None
        self.last = None  # (n * m, seconds) of the last size run
        self.stopped = None  # reason the larger sizes are skipped

    def skip_reason(self, n, m):
        """Why size (n, m) is skipped, or None to run it."""
        if self.stopped:
            return self.stopped
        need = self.bytes_per_pair * n * m
        avail = self.available()
        if avail is not None and need > 0.8 * avail:
            return (
                f"needs about {need / 2**30:.1f} GiB, more than 80 % of the "
                f"{avail / 2**30:.1f} GiB available"
            )
        if self.last:
            pairs, seconds = self.last
            predicted = seconds * n * m / pairs
            if predicted > self.cap:
                return (
                    f"one run would take about {predicted:.0f} s (from {seconds:.1f} s at "
                    f"{pairs} pairs), over the {self.cap:.0f} s cap"
                )
        return None

    def ran(self, n, m, seconds):
        """Records a run, for the next size's extrapolation."""
        self.last = (n * m, seconds)

    def exceeded(self, n):
        """Records a run stopped by the cap: this size and the larger ones are skipped."""
        self.stopped = f"a run at n = {n} went over the {self.cap:.0f} s cap"


def row(**fields):
    """Prints one JSON line in the format of `gradflow bench --workload sinkhorn --json`
    (plus `impl` and the peer's own fields)."""
    print(json.dumps({"workload": "sinkhorn", "precision": "f32", **fields}), flush=True)


def skipped(impl, reason, **fields):
    """Prints a row for a skipped size, and the reason to standard error."""
    print(f"{impl}: skipped {fields}: {reason}", file=sys.stderr, flush=True)
    row(impl=impl, skipped=reason, **fields)
