# BufferTracker on numpy arrays and builtin buffers, under every libwcf mechanism and both storage tiers:
# reconstructed bytes at every step must equal the test's own copies, element histories its own diffs.
import array
import gc
import hashlib
import mmap
import os
import subprocess
import sys
import threading
import unittest

from .buffer_session import TIERS, BufferSession, buffer_history, buffers, mechanisms, np

NEEDS_NUMPY = "numpy is not installed for %s" % sys.executable


def configurations():
    """(mechanism, tier name, limits) for every mechanism this machine offers and every tier."""
    for mechanism in mechanisms():
        for tier, limits in TIERS.items():
            yield mechanism, tier, limits


class ConfiguredTest(unittest.TestCase):
    def sessions(self):
        """One fresh session per mechanism and tier (the caller wraps each in a subTest)."""
        for mechanism, tier, limits in configurations():
            session = BufferSession(mechanism, **limits)
            self.addCleanup(session.close)
            session.label = "%s/%s" % (mechanism, tier)
            self.assertEqual(session.tracker.mechanism, mechanism)
            yield session

    def check_element_assignment(self, make):
        """Single-element writes, in every session, to a 1-D array of 50 float32 that `make()` creates (numpy
        or torch: both index the same way); writing an element's own value again records nothing."""
        for session in self.sessions():
            with self.subTest(config=session.label):
                a = make()
                session.track(a, 1)
                a[3] = 1.5
                session.step()
                a[-1] = -2
                a[0] = 7
                session.step()
                a[3] = 1.5  # the same value again: no change to record
                same = session.step()
                session.check_states(self)
                self.assertEqual([row for row in session.rows_of(1) if row[0] == same], [])
                session.check_history(self, 1, 3, [3])
                session.check_history(self, 1, None, range(50))


@unittest.skipIf(np is None, NEEDS_NUMPY)
class NumpyWritesTest(ConfiguredTest):
    def test_element_assignment(self):
        self.check_element_assignment(lambda: np.arange(50, dtype=np.float32))

    def test_in_place_add(self):
        for session in self.sessions():
            with self.subTest(config=session.label):
                a = np.zeros((8, 16), dtype=np.int64)
                session.track(a, 1)
                a += 1
                session.step()
                a[2] += 5
                session.step()
                a[:, 3] -= 9
                session.step()
                session.check_states(self)
                session.check_history(self, 1, (2, 3), [2 * 16 + 3])

    def test_ufunc_out(self):
        for session in self.sessions():
            with self.subTest(config=session.label):
                a = np.linspace(0, 1, 300)
                b = np.full(300, 0.25)
                session.track(a, 1)
                session.track(b, 2)
                np.add(a, b, out=a)
                session.step()
                np.multiply(a[::2], 2.0, out=a[::2])
                session.step()
                np.negative(b, out=b)
                session.step()
                session.check_states(self)
                session.check_history(self, 1, slice(10, 20), range(10, 20))

    def test_writes_through_slices_and_views(self):
        for session in self.sessions():
            with self.subTest(config=session.label):
                a = np.arange(100.0)
                strided = a[10:40:3]
                session.track(a, 1)
                session.track(strided, 2)
                strided[:] = -1  # written through the view: the base's memory changes
                session.step()
                a[10] = 5  # written through the base: the view shows it
                session.step()
                tail = a[50:][::-1]  # a reversed view seen later (negative strides)
                session.track(tail, 3)
                tail[0] = 99  # a[99]
                a[50] = -50
                session.step()
                session.check_states(self)
                session.flush()
                self.assertEqual({buffer_history.layout_at(session.conn, oid)["region"] for oid in (1, 2, 3)}, {1})
                self.assertEqual(len(session.rows_of(2, "snapshot")), 0, "a view must not get its own copy")
                session.check_history(self, 2, 0, [0])
                session.check_history(self, 3, slice(0, 50), range(50))

    def test_reshape_and_transpose(self):
        for session in self.sessions():
            with self.subTest(config=session.label):
                m = np.arange(24, dtype=np.int32).reshape(4, 6)
                t = m.T
                session.track(m, 1)
                session.track(t, 2)
                t[1, 2] = 77  # m[2, 1]
                session.step()
                flat = t.reshape(-1)  # not contiguous: numpy copies, so writes to it leave m alone
                session.track(flat, 3)
                flat[0] = -5
                m.reshape(2, 12)[1, 0] = 1000  # a reshaped view writes m[2, 0]
                session.step()
                session.check_states(self)
                session.flush()
                self.assertEqual(buffer_history.layout_at(session.conn, 3)["region"], 3)
                session.check_history(self, 2, (1, 2), [1 * 4 + 2])

    def test_array_freed_while_watched(self):
        for session in self.sessions():
            with self.subTest(config=session.label):
                small = np.ones(1000)
                large = np.ones(1 << 18)  # 2 MiB: its own mmap, unmapped when freed
                session.track(small, 1)
                session.track(large, 2)
                small[0] = 2
                large[-1] = 3
                written = session.step()
                session.forget(1)
                session.forget(2)
                del small, large
                gc.collect()
                gone = session.step()
                later = np.zeros(1000)  # may reuse the freed memory (or id): must be a new, separate region
                session.track(later, 3)
                later[1] = 4
                session.step()
                session.check_states(self)
                for object_id in (1, 2):
                    self.assertEqual([row[0] for row in session.rows_of(object_id, "gone")], [gone])
                    written_array = buffer_history.array_at(session.conn, object_id, written)
                    self.assertEqual(written_array[0 if object_id == 1 else -1], 2.0 if object_id == 1 else 3.0)
                    with self.assertRaisesRegex(buffer_history.BufferHistoryError, "freed"):
                        buffer_history.array_at(session.conn, object_id, gone)

    def test_two_threads_writing_one_array(self):
        for session in self.sessions():
            with self.subTest(config=session.label):
                a = np.zeros(4 * 4096, dtype=np.float64)  # 128 KiB: both tiers' diff paths, several pages
                session.track(a, 1)
                half = a.size // 2
                rounds = 20
                wrote, collected = threading.Barrier(3), threading.Barrier(3)

                def writer(part):
                    for r in range(rounds):
                        a[part * half + (r * 37) % half] = r + 1
                        a[part * half: part * half + 8] += 1
                        wrote.wait()
                        collected.wait()

                threads = [threading.Thread(target=writer, args=(part,)) for part in (0, 1)]
                for thread in threads:
                    thread.start()
                for _ in range(rounds):
                    wrote.wait()
                    session.step()
                    collected.wait()
                for thread in threads:
                    thread.join()

                # Free-running: writes race with collects; once the writers stop, the next step has everything.
                stop = threading.Event()

                def racer(part):
                    value = 0
                    while not stop.is_set():
                        value += 1
                        a[part * half + value % half] = value

                threads = [threading.Thread(target=racer, args=(part,)) for part in (0, 1)]
                for thread in threads:
                    thread.start()
                for _ in range(20):
                    self.assertFalse(session.tracker.collect(session.step_index + 1000))  # racing collects
                stop.set()
                for thread in threads:
                    thread.join()
                session.step_index += 1000
                final = session.step()
                session.flush()
                got = buffer_history.array_at(session.conn, 1, final)
                self.assertEqual(got.tobytes(), a.tobytes())
                del session.expected[1][final]  # the racing steps have no copies; check the synchronized ones
                session.check_states(self)


class BuiltinBuffersTest(ConfiguredTest):
    def test_bytearray_array_and_mmap(self):
        for session in self.sessions():
            with self.subTest(config=session.label):
                data = bytearray(b"x" * 5000)
                numbers = array.array("d", range(100))
                mapped = mmap.mmap(-1, 3 * 4096)
                session.track(data, 1)
                session.track(numbers, 2)
                session.track(mapped, 3)
                grown = bytearray(b"g" * 3000)  # grows before any in-place write
                session.track(grown, 4)
                data[10:14] = b"abcd"
                numbers[7] = -1.0
                mapped[5000:5004] = b"wxyz"
                session.step()
                data.extend(b"y" * 20000)  # the program may still resize: nothing pins its buffer
                numbers.append(1.5)
                grown.extend(b"h" * 9000)
                session.step()
                data[0] = 0
                session.step()
                session.forget(3)
                mapped.close()  # no BufferError: closing is the program's right
                closed = session.step()
                session.check_states(self)
                self.assertEqual([row[0] for row in session.rows_of(3, "gone")], [closed])
                session.flush()
                self.assertEqual(buffer_history.layout_at(session.conn, 1)["shape"], [25000])

    def test_memoryview_slice_of_bytearray(self):
        for session in self.sessions():
            with self.subTest(config=session.label):
                data = bytearray(range(256)) * 4
                view = memoryview(data)[100:200]
                session.track(data, 1)
                session.track(view, 2)
                view[0] = 255
                data[150] = 1
                session.step()
                session.check_states(self)
                session.flush()
                self.assertEqual(buffer_history.layout_at(session.conn, 2)["offset"], 100)
                self.assertEqual(buffer_history.layout_at(session.conn, 2)["region"], 1)
                view.release()


@unittest.skipIf(np is None, NEEDS_NUMPY)
class TiersAndFailuresTest(unittest.TestCase):
    def session(self, mechanism="auto", **limits):
        session = BufferSession(mechanism, **limits)
        self.addCleanup(session.close)
        return session

    def test_tier_by_size(self):
        for keep_before in (False, True):  # the default stores no `before` bytes (readers derive them)
            with self.subTest(keep_before=keep_before):
                session = self.session(full_copy_limit=4096, diff_limit=64 * 1024, keep_before=keep_before)
                small, middle, huge = np.zeros(100, np.uint8), np.zeros(20000, np.uint8), np.zeros(100000, np.uint8)
                for object_id, array_ in enumerate((small, middle, huge), 1):
                    session.track(array_, object_id)
                    array_[50] = 1
                session.step()
                kinds = {oid: [row[5] for row in session.rows_of(oid)] for oid in (1, 2, 3)}
                # A fingerprint covers whole dirty pages, and the huge array's edge pages are shared with other
                # heap data, so a write there by the allocator can add a second fingerprint row (never a wrong one).
                huge_kinds = kinds.pop(3)
                self.assertEqual(kinds, {1: ["snapshot", "layout", "full"], 2: ["snapshot", "layout", "diff"]})
                self.assertEqual(huge_kinds[0], "layout")
                self.assertEqual(set(huge_kinds[1:]), {"fingerprint"}, huge_kinds)
                fingerprints = session.rows_of(3, "fingerprint")
                self.assertTrue(any(offset <= 50 < offset + length for _, offset, length, _, _, _ in fingerprints),
                                fingerprints)
                diff = session.rows_of(2, "diff")[0]
                self.assertEqual(diff[1:5], (50, 1, b"\0" if keep_before else None, b"\1"))
                self.assertEqual(buffer_history.element_history(session.conn, 2, 50)[0]["before"], 0)

    def test_fingerprint_of_huge_buffers(self):
        session = self.session(full_copy_limit=0, diff_limit=4096)
        a = np.zeros(100000, np.uint8)
        session.track(a, 1)
        a[5000] = 7
        session.step()
        rows = session.rows_of(1, "fingerprint")
        # Whole dirty pages: a page the array shares with other heap data may show up too (never a wrong digest).
        self.assertTrue(any(offset <= 5000 < offset + length for _, offset, length, _, _, _ in rows), rows)
        for step, offset, length, before, digest, kind in rows:
            self.assertIsNone(before)
            self.assertEqual(digest, hashlib.blake2b(a.tobytes()[offset:offset + length], digest_size=16).digest())
        with self.assertRaisesRegex(buffer_history.BufferHistoryError, "fingerprints"):
            buffer_history.array_at(session.conn, 1, step)

    def test_huge_buffers_diffed_when_opted_in(self):
        session = self.session(full_copy_limit=0, diff_limit=4096, diff_huge=True)
        a = np.zeros(100000, np.uint8)
        session.track(a, 1)
        a[5000] = 7
        session.step()
        session.check_states(self)

    def test_buffer_growing_past_the_diff_limit_becomes_fingerprints(self):
        session = self.session(full_copy_limit=0, diff_limit=8192)
        data = bytearray(4096)
        session.track(data, 1)
        data[0] = 1
        diffed = session.step()
        data.extend(bytes(20000))
        data[5] = 2
        session.step()
        data[6] = 3
        late = session.step()
        session.flush()
        self.assertEqual(buffer_history.object_bytes_at(session.conn, 1, diffed), session.expected[1][diffed])
        with self.assertRaisesRegex(buffer_history.BufferHistoryError, "fingerprints only from step"):
            buffer_history.region_bytes_at(session.conn, 1, late)

    def test_released_object_is_watched_again_as_a_new_object(self):
        session = self.session()
        a = np.zeros(100)
        view = a[10:20]
        session.track(a, 1)
        session.track(view, 2)
        session.tracker.release(1)
        a[0] = 1  # the view still holds the region: this write is recorded
        session.step()
        session.tracker.release(2)
        self.assertEqual(session.tracker.stats()["regions"], 0)
        a[1] = 2
        session.step()
        self.assertEqual([row[5] for row in session.rows_of(1)], ["snapshot", "layout", "full"])
        session.track(a, 3)  # reached again by the recorder: a new object id, a new region and snapshot
        a[2] = 3
        session.step()
        self.assertEqual([row[5] for row in session.rows_of(3)], ["snapshot", "layout", "full"])
        del session.expected[1], session.expected[2]  # released: their copies after release mean nothing
        session.check_states(self)

    def test_on_write_snapshots_skip_buffers_never_written_in_place(self):
        session = self.session(snapshots="on-write")
        written, untouched = np.arange(30000.0), np.arange(30000.0)  # 240 KB each: diff tier
        session.track(written, 1)
        session.track(untouched, 2)
        first = session.step()
        written[7] = -1
        session.step()
        self.assertEqual([row[5] for row in session.rows_of(2)], ["layout"])
        self.assertEqual([(row[0], row[5]) for row in session.rows_of(1)],
                         [(0, "layout"), (0, "snapshot"), (2, "diff")])  # the snapshot keeps its first-sight step
        self.assertEqual(buffer_history.array_at(session.conn, 1, first).tobytes(),
                         session.expected[1][first].tobytes())
        with self.assertRaisesRegex(buffer_history.BufferHistoryError, "on-write"):
            buffer_history.array_at(session.conn, 2, first)
        del session.expected[2]
        session.check_states(self)

    def test_content_budget_turns_to_fingerprints_with_a_notice(self):
        session = self.session(content_budget=3 * 8000)
        a, b = np.zeros(1000), np.zeros(1000)  # 8000 bytes each: full tier
        session.track(a, 1)
        a[0] = 1
        kept = session.step()  # snapshot + one full copy: 16000 bytes, under the budget
        session.track(b, 2)  # its snapshot fills the budget exactly
        a[1] = 2
        crossed = session.step()  # this full copy passes it: stored, then the notice
        a[2] = 3
        late = session.step()
        (step, kind, message), = session.rows["notices"]
        self.assertEqual((step, kind), (crossed, "buffer-tracking"))
        self.assertIn("budget", message)
        # Whole dirty pages: a page shared with other heap data may add a second fingerprint row.
        self.assertEqual({row[5] for row in session.rows_of(1) if row[0] == late}, {"fingerprint"})
        for step in (kept, crossed):
            self.assertEqual(buffer_history.array_at(session.conn, 1, step).tobytes(),
                             session.expected[1][step].tobytes())
        with self.assertRaisesRegex(buffer_history.BufferHistoryError, "budget"):
            buffer_history.array_at(session.conn, 1, late)

    def test_unavailable_mechanism_falls_back_to_hashing(self):
        session = self.session(mechanism="no-such-mechanism")
        self.assertEqual(session.tracker.mechanism, "hash")
        (step, kind, message), = session.rows["notices"]
        self.assertEqual((step, kind), (0, "buffer-tracking"))
        self.assertIn("falls back to hashing", message)
        a = np.arange(10)
        session.track(a, 1)
        a[2] = 0
        session.step()
        session.check_states(self)

    def test_what_is_not_a_writable_buffer_is_ignored(self):
        session = self.session()
        readonly = np.frombuffer(b"abcdefgh", dtype=np.uint8)
        for object_id, value in enumerate(([1, 2], np.array([object(), 1]), readonly, np.zeros(0),
                                           b"bytes", memoryview(b"ro"), object()), 1):
            session.tracker.track(value, object_id, 0)
        self.assertFalse(session.tracker.collect(1))
        self.assertEqual(session.rows["buffer_writes"], [])
        self.assertEqual(session.rows["notices"], [])

    def test_collect_asks_for_a_flush_past_the_byte_budget(self):
        session = self.session(flush_bytes=10000)
        a = np.zeros(1000)  # 8000 bytes: the snapshot alone stays under the budget
        session.track(a, 1)
        a[0] = 1
        self.assertTrue(session.tracker.collect(1))  # snapshot + a full copy: 16000 bytes
        a[0] = 2
        self.assertFalse(session.tracker.collect(2))


class LibraryMissingTest(unittest.TestCase):
    def test_missing_library_turns_tracking_off_with_a_notice(self):
        script = (
            "import sys; sys.path.insert(0, %r)\n"
            "from watercodeflow import buffers\n"
            "rows = {'buffer_writes': [], 'notices': []}\n"
            "tracker = buffers.BufferTracker(rows)\n"
            "tracker.track(bytearray(100), 1, 0); tracker.collect(1)\n"
            "print(rows['buffer_writes']); print(rows['notices'][0][1]); print(rows['notices'][0][2])\n"
            % os.path.join(os.path.dirname(buffers.__file__), ".."))
        env = dict(os.environ, WCF_LIBWCF="/nonexistent/libwcf.so")
        completed = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                                   timeout=60)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        written, kind, message = completed.stdout.splitlines()[:3]
        self.assertEqual((written, kind), ("[]", "buffer-tracking"))
        self.assertIn("buffer tracking is off", message)
        self.assertIn("make -C native/libwcf", message)


if __name__ == "__main__":
    unittest.main()
