"""Tests for the libwcf Python binding (native/libwcf/wcf_tracker.py) against numpy and the other buffer types.

Expected answers come from the test's own numpy comparison of before/after copies, never from the tracker;
every case runs under every available mechanism and the mechanisms must agree. Stdlib unittest only.
"""
import array
import mmap
import os
import subprocess
import sys
import threading
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIBWCF = os.path.join(ROOT, "native", "libwcf")
sys.path.insert(0, LIBWCF)

try:
    import numpy as np
except ImportError:  # Debian python without python3-numpy: the non-numpy cases still run
    np = None

import wcf_tracker  # noqa: E402


def setUpModule():
    # Keep the .so current; make prints nothing when it is up to date.
    subprocess.run(["make", "-s", "-C", LIBWCF, "libwcf.so"], check=True)


def expected_element_ranges(before, after):
    """Byte ranges of changed elements of two same-shape C-contiguous arrays, merged when adjacent."""
    changed = np.flatnonzero(
        (before.reshape(-1).view(np.uint8).reshape(before.size, before.itemsize) !=
         after.reshape(-1).view(np.uint8).reshape(after.size, after.itemsize)).any(axis=1))
    ranges = []
    size = before.itemsize
    for index in changed.tolist():
        if ranges and ranges[-1][0] + ranges[-1][1] == index * size:
            ranges[-1] = (ranges[-1][0], ranges[-1][1] + size)
        else:
            ranges.append((index * size, size))
    return ranges


def expected_byte_ranges(before, after):
    ranges = []
    for i, (x, y) in enumerate(zip(before, after)):
        if x != y:
            if ranges and ranges[-1][0] + ranges[-1][1] == i:
                ranges[-1] = (ranges[-1][0], ranges[-1][1] + 1)
            else:
                ranges.append((i, 1))
    return ranges


MECHANISMS = wcf_tracker.available_mechanisms()


def per_mechanism(test):
    """Runs test(self, tracker) once per mechanism, each as a subTest; unavailable ones are skipped."""
    def run(self):
        for name in ("async", "thread", "hash"):
            with self.subTest(mechanism=name):
                if name not in MECHANISMS:
                    self.skipTest(f"mechanism {name} unavailable here")
                with wcf_tracker.Tracker(name) as tracker:
                    self.assertEqual(tracker.mechanism, name)
                    test(self, tracker)
    run.__name__ = test.__name__
    run.__doc__ = test.__doc__
    return run


@unittest.skipIf(np is None, "numpy is not installed for this interpreter")
class NumpyWrites(unittest.TestCase):
    def assert_step(self, tracker, a, before, what):
        """The tracker's ranges for this step equal the test's own comparison of before and a."""
        got = tracker.collect()
        self.assertEqual(got.get("a", []), expected_element_ranges(before, a), f"after {what}")
        before[...] = a

    @per_mechanism
    def test_element_assignment_and_inplace_ops(self, tracker):
        a = np.arange(100_000, dtype=np.float64)
        before = a.copy()
        tracker.watch(a, "a")
        b = np.zeros_like(a)
        b[[3, 4, 5, 70_000]] = 1.0
        a[12_345] = -7.0
        self.assert_step(tracker, a, before, "a[i] = v")
        a += 1
        self.assert_step(tracker, a, before, "a += 1")
        np.add(a, b, out=a)
        self.assert_step(tracker, a, before, "np.add(a, b, out=a)")
        a[:] = a.copy()
        self.assert_step(tracker, a, before, "a[:] = a.copy() (written, unchanged)")
        self.assertEqual(tracker.collect(), {})

    @per_mechanism
    def test_views_reshape_transpose(self, tracker):
        a = np.zeros(10_000, dtype=np.int32)
        before = a.copy()
        tracker.watch(a, "a")
        view = a[10:20]
        view[:] = 5
        self.assert_step(tracker, a, before, "a[10:20] = 5 through a view")
        a.reshape(100, 100)[:, 3] = 1
        self.assert_step(tracker, a, before, "a.reshape(100, 100)[:, 3] = 1")
        a.reshape(100, 100).T[7, 5] = 2
        self.assert_step(tracker, a, before, "a.reshape(100, 100).T[7, 5] = 2")
        a[::-3] = 9
        self.assert_step(tracker, a, before, "a[::-3] = 9")

    @per_mechanism
    def test_watching_a_strided_view_reports_offsets_in_its_extent(self, tracker):
        m = np.zeros((64, 64), dtype=np.float32)
        column = m[:, 10]
        address, length, elem = tracker.watch(column, "col")
        self.assertEqual(address, m.ctypes.data + 10 * 4)
        self.assertEqual(length, 63 * 64 * 4 + 4)
        m[5, 10] = 1.0
        self.assertEqual(tracker.collect(), {"col": [(5 * 64 * 4, 4)]})

    @per_mechanism
    def test_numpy_refuses_resize_while_watched(self, tracker):
        a = np.ones(1000, dtype=np.float64)
        tracker.watch(a, "a")
        with self.assertRaises(ValueError):  # numpy will not realloc an array that has weak references
            a.resize(300_000, refcheck=False)
        tracker.unwatch("a")
        a.resize(300_000, refcheck=False)

    @per_mechanism
    def test_moved_data_is_rewatched_and_reported_whole(self, tracker):
        class Movable:
            """Presents __array_interface__ over data that can move (like torch's resize_)."""
            def __init__(self, array):
                self.array = array

            @property
            def __array_interface__(self):
                return self.array.__array_interface__

        holder = Movable(np.ones(1000, dtype=np.float64))
        tracker.watch(holder, "a")
        holder.array = np.zeros(300_000, dtype=np.float64)  # the old buffer is freed, data lives elsewhere
        self.assertEqual(tracker.collect(), {"a": [(0, 300_000 * 8)]})
        holder.array[299_999] = 3.0
        self.assertEqual(tracker.collect(), {"a": [(299_999 * 8, 8)]})

    @per_mechanism
    def test_array_freed_while_watched(self, tracker):
        small = np.ones(100)          # malloc heap: memory stays mapped
        big = np.ones(1 << 20)        # its own mmap: freeing unmaps it
        tracker.watch(small, "small")
        tracker.watch(big, "big")
        del small, big
        self.assertEqual(tracker.collect(), {})
        self.assertEqual(sorted(tracker.last_gone), ["big", "small"])
        self.assertEqual(tracker.watched_tags(), [])
        self.assertEqual(tracker.stats()["regions"], 0)

    @per_mechanism
    def test_two_threads_write_one_array(self, tracker):
        a = np.zeros(1 << 18, dtype=np.int64)
        tracker.watch(a, "a")
        seen = np.zeros(a.size, dtype=bool)

        def writer(start):
            for round_ in range(1, 30):
                a[start::97] = round_

        threads = [threading.Thread(target=writer, args=(s,)) for s in (0, 1)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            for offset, length in tracker.collect().get("a", []):
                seen[offset // 8:(offset + length) // 8] = True
        for t in threads:
            t.join()
        for offset, length in tracker.collect().get("a", []):
            seen[offset // 8:(offset + length) // 8] = True
        np.testing.assert_array_equal(seen, a != 0)

    @per_mechanism
    def test_recorded_training_loop_reconstructs_weights(self, tracker):
        rng = np.random.default_rng(5)
        weights = rng.standard_normal((512, 512))  # 2 MiB, updated in place
        initial = weights.copy()
        tracker.watch(weights, "W")
        history = []  # per epoch: [(offset, bytes)]
        for epoch in range(8):
            rows = rng.choice(512, size=16, replace=False)
            grad = rng.standard_normal((16, 512))
            weights[rows] -= 0.01 * grad
            if epoch % 3 == 0:
                weights *= 0.999  # a dense step too
            raw = weights.reshape(-1).view(np.uint8)
            history.append([(o, raw[o:o + n].copy()) for o, n in tracker.collect().get("W", [])])
            # replay: initial + deltas up to this epoch must equal the real weights now
            replay = initial.copy().reshape(-1).view(np.uint8)
            for step in history:
                for offset, data in step:
                    replay[offset:offset + len(data)] = data
            np.testing.assert_array_equal(replay.view(np.float64).reshape(512, 512), weights)

    @per_mechanism
    def test_page_granular_without_shadow(self, tracker):
        # In pages of their own (an anonymous mapping), at an offset: without a shadow copy every write to a
        # page the buffer touches counts, so a heap array would also report writes to its neighbours there.
        pages = mmap.mmap(-1, 4 * mmap.PAGESIZE)
        a = np.frombuffer(pages, dtype=np.uint8, count=8192, offset=100)
        try:
            address, _, _ = tracker.watch(a, "a", shadow=False)
            a[5000] = 1
            page_start = (address + 5000) // mmap.PAGESIZE * mmap.PAGESIZE
            start = max(page_start, address) - address
            end = min(page_start + mmap.PAGESIZE, address + a.nbytes) - address
            self.assertEqual(tracker.collect(), {"a": [(start, end - start)]})
        finally:
            tracker.unwatch("a")
            del a
            pages.close()


class OtherBuffers(unittest.TestCase):
    @per_mechanism
    def test_bytearray_array_mmap(self, tracker):
        data = bytearray(50_000)
        numbers = array.array("d", [0.0]) * 10_000
        mapped = mmap.mmap(-1, 1 << 20)
        tracker.watch(data, "bytes")
        tracker.watch(numbers, "numbers")
        tracker.watch(mapped, "mmap")
        before = (bytes(data), numbers.tobytes(), mapped[:])
        data[40_000:40_003] = b"abc"
        numbers[9_999] = 2.5
        mapped[123_456] = 7
        got = tracker.collect()
        self.assertEqual(got["bytes"], expected_byte_ranges(before[0], data))
        self.assertEqual(got["numbers"], [(9_999 * 8, 8)])
        self.assertEqual(got["mmap"], [(123_456, 1)])
        with self.assertRaises(BufferError):  # pinned: it cannot move while watched
            data.extend(b"x")
        tracker.unwatch("bytes")
        data.extend(b"x")  # released after unwatch
        tracker.unwatch("mmap")
        mapped.close()

    @per_mechanism
    def test_raw_address_and_errors(self, tracker):
        mapped = mmap.mmap(-1, 4096)
        import ctypes
        address = ctypes.addressof(ctypes.c_char.from_buffer(mapped))
        tracker.watch((address, 4096), 1)
        mapped[10] = 1
        self.assertEqual(tracker.collect(), {1: [(10, 1)]})
        with self.assertRaisesRegex(wcf_tracker.WcfError, "already watched"):
            tracker.watch((address, 4096), 1)
        with self.assertRaisesRegex(wcf_tracker.WcfError, "not watched"):
            tracker.unwatch(2)
        with self.assertRaisesRegex(wcf_tracker.WcfError, "read-only"):
            tracker.watch(b"immutable", 3)
        with self.assertRaisesRegex(wcf_tracker.WcfError, "cannot watch a int"):
            tracker.watch(5, 4)
        with self.assertRaisesRegex(wcf_tracker.WcfError, "not .entirely. mapped"):
            tracker.watch((8, 4096), 5)
        tracker.unwatch(1)

    def test_unknown_mechanism_message(self):
        with self.assertRaisesRegex(wcf_tracker.WcfError, "use one of auto, async, thread, hash"):
            wcf_tracker.Tracker("fast")

    @per_mechanism
    def test_fork_child_keeps_working(self, tracker):
        data = bytearray(64 * 1024)
        tracker.watch(data, "d")
        data[100] = 1
        pid = os.fork()
        if pid == 0:  # child: must get a working (hash) tracker, not the parent's kernel state
            code = 1
            try:
                data[30_000] = 2
                ok = tracker.collect() == {"d": [(100, 1), (30_000, 1)]}
                stats = tracker.stats()
                code = 0 if ok and stats["forked_child"] and stats["mechanism"] == "hash" else 3
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        self.assertTrue(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"child status {status}")
        self.assertEqual(tracker.collect(), {"d": [(100, 1)]})  # the child's write is not ours
        tracker.unwatch("d")


@unittest.skipIf(np is None, "numpy is not installed for this interpreter")
class MechanismsAgree(unittest.TestCase):
    def script(self, mechanism):
        transcript = []
        with wcf_tracker.Tracker(mechanism) as tracker:
            a = np.zeros((300, 300), dtype=np.float32)
            b = bytearray(10_000)
            tracker.watch(a, "a")
            tracker.watch(b, "b")
            for step in range(6):
                a[step::7, step] += step + 1
                b[step * 1000:(step * 1000) + step] = b"z" * step
                transcript.append(tracker.collect())
            tracker.unwatch("b")
        return transcript

    def test_same_answers(self):
        results = {m: self.script(m) for m in MECHANISMS}
        reference = results[MECHANISMS[-1]]
        self.assertTrue(any(reference), "the script must produce changes")
        for mechanism, transcript in results.items():
            self.assertEqual(transcript, reference, f"{mechanism} disagrees with {MECHANISMS[-1]}")


if __name__ == "__main__":
    unittest.main()
