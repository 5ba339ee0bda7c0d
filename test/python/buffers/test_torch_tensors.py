# BufferTracker on torch CPU tensors, under every libwcf mechanism and every storage tier (as
# test_buffer_tracker.py does for numpy): reconstructed tensors at every step must equal the test's own clones,
# element histories its own differences. Also what must not be tracked (with one notice per reason) and that
# reading a tensor changes nothing torch can see. Skipped, with the reason, where torch is not installed.
import gc
import sys
import unittest
import warnings

from .buffer_session import BufferSession, buffer_history
from .test_buffer_tracker import ConfiguredTest

try:
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode
except ImportError:
    torch = None
    TorchDispatchMode = object

from watercodeflow import buffer_layout, values  # importable: buffer_session put native/ on sys.path

NEEDS_TORCH = "torch is not installed for %s (Debian: python3-torch)" % sys.executable


@unittest.skipIf(torch is None, NEEDS_TORCH)
class TensorWritesTest(ConfiguredTest):
    def test_element_assignment(self):
        self.check_element_assignment(lambda: torch.arange(50, dtype=torch.float32))

    def test_in_place_operators(self):
        for session in self.sessions():
            with self.subTest(config=session.label):
                t = torch.zeros(8, 16, dtype=torch.int64)
                session.track(t, 1)
                t.add_(1)
                session.step()
                t[2] += 5
                session.step()
                t[:, 3] -= 9
                t.clamp_(min=-5)
                session.step()
                session.check_states(self)
                session.check_history(self, 1, (2, 3), [2 * 16 + 3])

    def test_out_arguments(self):
        for session in self.sessions():
            with self.subTest(config=session.label):
                a = torch.linspace(0, 1, 300, dtype=torch.float64)
                b = torch.full((300,), 0.25, dtype=torch.float64)
                session.track(a, 1)
                session.track(b, 2)
                torch.add(a, b, out=a)
                session.step()
                torch.mul(a[::2], 2.0, out=a[::2])
                session.step()
                torch.neg(b, out=b)
                session.step()
                session.check_states(self)
                session.check_history(self, 1, slice(10, 20), range(10, 20))

    def test_writes_through_views_and_a_transpose(self):
        for session in self.sessions():
            with self.subTest(config=session.label):
                a = torch.arange(100.0)
                strided = a[10:40:3]
                session.track(a, 1)
                session.track(strided, 2)
                strided[:] = -1  # through the view: the base's storage changes
                session.step()
                a[10] = 5  # through the base: the view shows it
                session.step()
                m = torch.arange(24, dtype=torch.int32).reshape(4, 6)
                t = m.t()
                session.track(m, 3)
                session.track(t, 4)
                t[1, 2] = 77  # m[2, 1]
                session.step()
                m.view(2, 12)[1, 0] = 1000  # a .view() writes m[2, 0]
                flat = t.reshape(-1)  # not contiguous: torch copies, so writes to it leave m alone
                session.track(flat, 5)
                flat[0] = -5
                session.step()
                session.check_states(self)
                session.flush()
                regions = {oid: buffer_history.layout_at(session.conn, oid)["region"] for oid in range(1, 6)}
                self.assertEqual(regions, {1: 1, 2: 1, 3: 3, 4: 3, 5: 5}, "views share their storage's region")
                self.assertEqual(len(session.rows_of(2, "snapshot")) + len(session.rows_of(4, "snapshot")), 0,
                                 "a view must not get its own copy")
                self.assertEqual(buffer_history.layout_at(session.conn, 4)["strides"], [4, 24])
                session.check_history(self, 2, 0, [0])
                session.check_history(self, 4, (1, 2), [1 * 4 + 2])

    def test_tensor_freed_while_watched(self):
        for session in self.sessions():
            with self.subTest(config=session.label):
                small = torch.ones(1000)
                large = torch.ones(1 << 19)  # 2 MiB: its own mapping, unmapped when freed
                base = torch.zeros(64)
                view = base[8:16]
                for object_id, tensor in enumerate((small, large, base, view), 1):
                    session.track(tensor, object_id)
                del tensor
                small[0] = 2
                large[-1] = 3
                written = session.step()
                for object_id in (1, 2, 3):
                    session.forget(object_id)
                del small, large, base
                gc.collect()
                gone = session.step()
                view[0] = 4  # the view keeps the storage (and its region) alive
                session.step()
                session.forget(4)
                del view
                gc.collect()
                view_gone = session.step()
                later = torch.zeros(1000)  # may reuse the freed memory: a new, separate region
                session.track(later, 5)
                later[1] = 4
                session.step()
                session.check_states(self)
                for object_id in (1, 2):
                    self.assertEqual([row[0] for row in session.rows_of(object_id, "gone")], [gone])
                    self.assertEqual(buffer_history.tensor_at(session.conn, object_id, written).reshape(-1)[
                        0 if object_id == 1 else -1].item(), 2.0 if object_id == 1 else 3.0)
                    with self.assertRaisesRegex(buffer_history.BufferHistoryError, "freed"):
                        buffer_history.tensor_at(session.conn, object_id, gone)
                self.assertEqual([row[0] for row in session.rows_of(3, "gone")], [view_gone])

    def test_storage_moved_or_reshaped_in_place(self):
        for session in self.sessions():
            with self.subTest(config=session.label):
                a = torch.arange(10.0)
                view = a[2:5]
                session.track(a, 1)
                session.track(view, 2)
                a[3] = 7
                session.step()
                a.resize_(3000).fill_(1)  # a new allocation: the storage's data moved, the view follows it
                a[2999] = 5
                moved = session.step()
                view[0] = -3
                session.step()
                m = torch.zeros(2, 3)
                session.track(m, 3)
                m.t_()  # shape and strides change in place, the memory does not
                m[0, 1] = 4
                session.step()
                other = torch.full((5,), 2.0)
                a.set_(other.storage())  # a moves to another storage; the view stays with the old one
                a[0] = 9
                session.step()
                other[1] = 8  # an untracked tensor writes a's new storage
                view[1] = 6
                session.step()
                shared = torch.zeros(40)
                session.track(shared, 4)
                shared.share_memory_()  # moved into shared memory
                shared[3] = 1
                session.step()
                shrunk = torch.ones(4)
                session.track(shrunk, 5)
                shrunk[0] = 2
                session.step()
                shrunk.resize_(0)
                session.step()
                session.check_states(self)
                session.flush()
                self.assertEqual([row[0] for row in session.rows_of(1, "snapshot")][:2], [0, moved])
                self.assertLess(buffer_history.layout_at(session.conn, 1)["region"], 0,
                                "a's new storage: its own object id still names the view's region")
                self.assertEqual(buffer_history.layout_at(session.conn, 3)["shape"], [3, 2])
                self.assertEqual(buffer_history.layout_at(session.conn, 5)["shape"], [0])
                self.assertEqual(session.rows["notices"], [])


@unittest.skipIf(torch is None, NEEDS_TORCH)
class TensorKindsTest(unittest.TestCase):
    def session(self, **limits):
        session = BufferSession("auto", **limits)
        self.addCleanup(session.close)
        return session

    def test_every_dtype_and_bfloat16(self):
        session = self.session()
        expected = {torch.float16: "<f2", torch.bfloat16: None, torch.float32: "<f4", torch.float64: "<f8",
                    torch.int8: "|i1", torch.int16: "<i2", torch.int32: "<i4", torch.int64: "<i8",
                    torch.uint8: "|u1", torch.bool: "|b1", torch.complex64: "<c8", torch.complex128: "<c16",
                    torch.complex32: None}
        tensors = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "ComplexHalf support is experimental"
            for object_id, dtype in enumerate(expected, 1):
                tensors[object_id] = torch.zeros(6, dtype=dtype)
                session.track(tensors[object_id], object_id)
        for tensor in tensors.values():
            tensor[1] = 1
            tensor[4] = 0 if tensor.dtype is torch.uint8 else True if tensor.dtype is torch.bool else -1
        bf16 = tensors[2]
        bf16[0], bf16[2], bf16[3] = 0.1, 3.14159, 1e30  # bfloat16 keeps 8 bits of mantissa
        tensors[5][0] = -128
        tensors[13][2] = complex(0.5, -1.25)
        session.step()
        session.check_states(self)
        session.flush()
        for object_id, dtype in enumerate(expected, 1):
            with self.subTest(dtype=dtype):
                layout = buffer_history.layout_at(session.conn, object_id)
                self.assertEqual(layout["dtype"], expected[dtype])
                self.assertEqual(layout["torchDtype"], str(dtype))
                self.assertEqual(layout["descr"], str(dtype) if expected[dtype] is None else None)
                self.assertEqual(layout["itemsize"], tensors[object_id].element_size())
        # bfloat16 decoded exactly: as floats by element_history, as float32 by array_at
        self.assertEqual([entry["after"] for entry in buffer_history.element_history(session.conn, 2)],
                         [bf16[i].item() for i in (0, 1, 2, 3, 4)])
        self.assertEqual(bf16[0].item(), 0.10009765625)
        self.assertEqual(buffer_history.array_at(session.conn, 2, 1).tolist(), bf16.float().tolist())
        self.assertEqual(buffer_history.array_at(session.conn, 13, 1).tolist(), tensors[13].cfloat().tolist())
        self.assertEqual(buffer_history.tensor_at(session.conn, 2, 0).tolist(), [0.0] * 6)

    def test_what_is_not_tracked_says_why_once(self):
        session = self.session()
        refused = [torch.empty(3, device="meta"), torch.empty(2, device="meta"), torch.zeros(3).to_sparse(),
                   torch.quantize_per_tensor(torch.zeros(3), 0.1, 0, torch.qint8),
                   torch.tensor([1 + 1j]).conj(), torch._neg_view(torch.ones(2)), torch.zeros(0)]
        for object_id, tensor in enumerate(refused, 1):
            session.tracker.track(tensor, object_id, 0)
        session.flush()
        self.assertEqual(session.conn.execute("SELECT COUNT(*) FROM buffer_writes").fetchone()[0], 0)
        messages = [message for _, kind, message in session.rows["notices"] if kind == "buffer-tracking"]
        self.assertEqual(len(messages), 4, messages)
        for words, message in zip(("device 'meta'", "layout torch.sparse_coo", "quantized", "conjugate"), messages):
            self.assertIn(words, message)
        self.assertEqual(session.tracker.stats()["regions"], 0)

    def test_parameters_written_by_an_optimizer(self):
        session = self.session(full_copy_limit=0)
        torch.manual_seed(0)
        model = torch.nn.Linear(16, 8)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
        session.track(model.weight, 1)
        session.track(model.bias, 2)
        x, y = torch.randn(32, 16), torch.randn(32, 8)
        for _ in range(4):
            optimizer.zero_grad()
            ((model(x) - y) ** 2).mean().backward()
            optimizer.step()
            session.step()
        session.check_states(self)
        self.assertEqual(buffer_history.layout_at(session.conn, 1)["type"], "torch.nn.parameter.Parameter")
        self.assertTrue(torch.equal(buffer_history.tensor_at(session.conn, 1, session.step_index), model.weight))


class _LoggingMode(TorchDispatchMode):
    def __init__(self):
        super().__init__()
        self.seen = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.seen.append(str(func))
        return func(*args, **(kwargs or {}))


@unittest.skipIf(torch is None, NEEDS_TORCH)
class NoSideEffectsTest(unittest.TestCase):
    def test_reading_a_tensor_changes_nothing_torch_can_see(self):
        class Counted(torch.Tensor):
            calls = 0

            @classmethod
            def __torch_function__(cls, func, types, args=(), kwargs=None):
                Counted.calls += 1
                return super().__torch_function__(func, types, args, kwargs or {})

        leaf = torch.ones(3, requires_grad=True)
        computed = leaf * 2  # has a grad_fn
        parameter = torch.nn.Parameter(torch.zeros(2, 2))
        counted = torch.zeros(4).as_subclass(Counted)
        tensors = (leaf, computed, parameter, counted, computed.t() if computed.dim() > 1 else computed[1:])

        def facts():
            return [(t._version, type(t.grad_fn).__name__, t.requires_grad, t.is_leaf, t.grad is None)
                    for t in tensors]

        before, calls = facts(), Counted.calls
        session = BufferSession("auto")
        self.addCleanup(session.close)
        mode = _LoggingMode()
        with mode:
            for object_id, tensor in enumerate(tensors, 1):
                session.tracker.track(tensor, object_id, 0)
                values.tensor_display(tensor, 200)
                values.tensor_state(tensor, 100)
                buffer_layout.tensor_signature(tensor)
            session.tracker.collect(1)
        self.assertEqual(mode.seen, [], "no operator reached torch's dispatcher")
        self.assertEqual(Counted.calls, calls, "no __torch_function__ ran")
        self.assertEqual(facts(), before)
        self.assertEqual(values.tensor_state(counted, 100)[2], [0.0, 0.0, 0.0, 0.0])
        self.assertEqual(values.tensor_display(parameter, 200), "tensor(shape=(2, 2), dtype=torch.float32)")


if __name__ == "__main__":
    unittest.main()
