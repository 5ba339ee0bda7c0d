"""ctypes binding for libwcf (wcf_tracker.h): which bytes of watched Python buffers changed between collects.

Owns only the mapping from Python objects (numpy arrays, bytearray, array.array, mmap, memoryview, torch CPU
tensors, raw (address, length)) to watched memory and back to tags. It records nothing and never hashes or
compares by itself; the C library does that.
"""
import ctypes
import os
import threading
import weakref

__all__ = ["Tracker", "WcfError", "available_mechanisms", "buffer_extent", "MECHANISMS"]

MECHANISMS = {"auto": 0, "async": 1, "thread": 2, "hash": 3}
_MECHANISM_NAMES = {v: k for k, v in MECHANISMS.items()}

_WATCH_NO_SHADOW = 1
_RANGE_REGION_GONE = 1
_RANGE_PAGE_GRANULAR = 2


class WcfError(RuntimeError):
    """A libwcf call failed; the message says why and what to do."""


class _DirtyRange(ctypes.Structure):
    _fields_ = [("tag", ctypes.c_uint64), ("offset", ctypes.c_uint64), ("length", ctypes.c_uint64),
                ("flags", ctypes.c_uint32), ("reserved", ctypes.c_uint32)]


class _Stats(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint32) for name in ("mechanism", "user_mode_only", "forked_child", "reserved")] + [
        (name, ctypes.c_uint64) for name in (
            "regions", "regions_hash", "watched_bytes", "shadow_bytes", "collects", "dirty_pages",
            "compared_bytes", "ranges", "faults_handled", "last_collect_ns", "total_collect_ns")]


_lib = None
_lib_lock = threading.Lock()


def _library():
    """Loads libwcf.so once: $WCF_LIBWCF if set, else the one built next to this file."""
    global _lib
    with _lib_lock:
        if _lib is not None:
            return _lib
        path = os.environ.get("WCF_LIBWCF") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "libwcf.so")
        if not os.path.exists(path):
            raise WcfError(f"libwcf.so not found at {path}: build it with `make -C native/libwcf` "
                           "(or point $WCF_LIBWCF at a built copy)")
        lib = ctypes.CDLL(path)  # CDLL releases the GIL around every call
        tracker_p = ctypes.c_void_p
        lib.wcf_available_mechanisms.restype = ctypes.c_uint
        lib.wcf_available_mechanisms.argtypes = []
        lib.wcf_mechanism_name.restype = ctypes.c_char_p
        lib.wcf_mechanism_name.argtypes = [ctypes.c_int]
        lib.wcf_open.restype = ctypes.c_int
        lib.wcf_open.argtypes = [ctypes.c_int, ctypes.POINTER(tracker_p), ctypes.c_char_p, ctypes.c_size_t]
        lib.wcf_watch.restype = ctypes.c_int
        lib.wcf_watch.argtypes = [tracker_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_uint64,
                                  ctypes.c_uint]
        lib.wcf_unwatch.restype = ctypes.c_int
        lib.wcf_unwatch.argtypes = [tracker_p, ctypes.c_uint64]
        lib.wcf_collect.restype = ctypes.c_int
        lib.wcf_collect.argtypes = [tracker_p, ctypes.POINTER(ctypes.POINTER(_DirtyRange)),
                                    ctypes.POINTER(ctypes.c_size_t)]
        lib.wcf_get_stats.restype = ctypes.c_int
        lib.wcf_get_stats.argtypes = [tracker_p, ctypes.POINTER(_Stats)]
        lib.wcf_last_error.restype = ctypes.c_char_p
        lib.wcf_last_error.argtypes = [tracker_p]
        lib.wcf_close.restype = ctypes.c_int
        lib.wcf_close.argtypes = [tracker_p]
        _lib = lib
        return lib


def available_mechanisms():
    """Names of the mechanisms this kernel and process allow, best first ('hash' is always there)."""
    mask = _library().wcf_available_mechanisms()
    return [name for name in ("async", "thread", "hash") if mask & (1 << MECHANISMS[name])]


class _Extent:
    """The bytes a watched object occupies: [address, address + length), elements of elem_size bytes."""
    __slots__ = ("address", "length", "elem_size", "pin", "weak")

    def __init__(self, address, length, elem_size, pin=None, weak=False):
        self.address, self.length, self.elem_size, self.pin, self.weak = address, length, elem_size, pin, weak

    def same_memory(self, other):
        return (self.address, self.length) == (other.address, other.length)


def _strided_extent(address, shape, strides, itemsize):
    low = high = 0
    for n, stride in zip(shape, strides):
        if n == 0:
            return address, 0
        span = (n - 1) * stride
        if span < 0:
            low += span
        else:
            high += span
    return address + low, high - low + itemsize


def buffer_extent(target):
    """Where `target`'s bytes live. numpy arrays and torch tensors are held weakly (they may be freed or
    resized while watched; the tracker notices); other buffers are pinned by a buffer export, so Python
    refuses to resize or close them while watched (BufferError) instead of moving memory under us."""
    if isinstance(target, tuple) and len(target) == 2 and all(isinstance(v, int) for v in target):
        return _Extent(target[0], target[1], 1)
    interface = getattr(target, "__array_interface__", None)
    if interface is not None:
        address = interface["data"][0]
        shape = interface["shape"]
        itemsize = int(interface["typestr"][2:])
        strides = interface.get("strides")
        if strides is None:  # C-contiguous
            count = 1
            for n in shape:
                count *= n
            return _Extent(address, count * itemsize, itemsize, weak=True)
        address, length = _strided_extent(address, shape, strides, itemsize)
        return _Extent(address, length, itemsize, weak=True)
    if hasattr(target, "data_ptr") and hasattr(target, "element_size") and hasattr(target, "stride"):
        if getattr(getattr(target, "device", None), "type", "cpu") != "cpu":
            raise WcfError("only CPU tensors live in this process's memory; move the tensor with .cpu() to watch it")
        itemsize = target.element_size()
        address, length = _strided_extent(target.data_ptr(), tuple(target.shape),
                                          tuple(s * itemsize for s in target.stride()), itemsize)
        return _Extent(address, length, itemsize, weak=True)
    try:
        view = memoryview(target)
    except TypeError:
        raise WcfError(f"cannot watch a {type(target).__name__}: pass a buffer (numpy array, bytearray, "
                       "array.array, mmap, memoryview) or an (address, length) tuple") from None
    if view.readonly:
        raise WcfError(f"this {type(target).__name__} is read-only: Python code cannot write it, nothing to track")
    if not view.c_contiguous:
        raise WcfError("non-contiguous memoryview: watch the object it views instead")
    if view.nbytes == 0:
        raise WcfError("empty buffer: nothing to watch")
    pin = (ctypes.c_char * view.nbytes).from_buffer(view)  # holds the export for as long as we watch
    return _Extent(ctypes.addressof(pin), view.nbytes, view.itemsize, pin=pin)


class Tracker:
    """Watches buffers and reports, per tag, the byte ranges written since the previous collect().

    collect() -> {tag: [(offset, length), ...]}: offsets count from the watched extent's lowest byte, aligned
    to elements. Tags whose memory went away (freed numpy array, munmap) leave the result and appear in
    `last_gone` after that collect. A numpy array resized in place is re-watched and reported whole.
    With shadow=False a region reports whole dirty pages instead of exact element ranges.
    """

    def __init__(self, mechanism="auto"):
        if mechanism not in MECHANISMS:
            raise WcfError(f"unknown mechanism {mechanism!r}: use one of {', '.join(MECHANISMS)}")
        self._lib = _library()
        handle = ctypes.c_void_p()
        message = ctypes.create_string_buffer(512)
        rc = self._lib.wcf_open(MECHANISMS[mechanism], ctypes.byref(handle), message, len(message))
        if rc != 0:
            raise WcfError(message.value.decode() or f"wcf_open failed ({os.strerror(-rc)})")
        self._handle = handle
        self._lock = threading.RLock()  # RLock: a weakref callback may fire inside our own calls
        self._next_id = 1
        self._by_tag = {}  # tag -> [id, extent, weakref-or-None, flags]
        self._tag_by_id = {}
        self._pending_gone = []
        self._pending_whole = set()
        self.last_gone = []
        self._finalizer = weakref.finalize(self, self._lib.wcf_close, handle)

    @property
    def mechanism(self):
        return self.stats()["mechanism"]

    def _fail(self, rc, what):
        detail = self._lib.wcf_last_error(self._handle).decode()
        raise WcfError(f"{what}: {detail or os.strerror(-rc)}")

    def _watch_extent(self, extent, flags):
        region_id = self._next_id
        self._next_id += 1
        rc = self._lib.wcf_watch(self._handle, extent.address, extent.length, extent.elem_size, region_id, flags)
        if rc != 0:
            self._fail(rc, "watch failed")
        return region_id

    def watch(self, target, tag, elem_size=None, shadow=True):
        """Watches `target` under `tag` (any hashable). Returns (address, length, elem_size)."""
        with self._lock:
            self._check_open()
            if tag in self._by_tag:
                raise WcfError(f"tag {tag!r} is already watched: unwatch it first or pick another tag")
            extent = buffer_extent(target)
            if elem_size is not None:
                extent.elem_size = int(elem_size)
            if extent.length <= 0:
                raise WcfError("empty buffer: nothing to watch")
            flags = 0 if shadow else _WATCH_NO_SHADOW
            region_id = self._watch_extent(extent, flags)
            ref = None
            if extent.weak:
                ref = weakref.ref(target, self._make_freed_callback(tag, region_id))
            self._by_tag[tag] = [region_id, extent, ref, flags]
            self._tag_by_id[region_id] = tag
            return extent.address, extent.length, extent.elem_size

    def _make_freed_callback(self, tag, region_id):
        tracker_ref = weakref.ref(self)

        def freed(_):
            tracker = tracker_ref()
            if tracker is not None:
                tracker._forget(tag, region_id, gone=True)
        return freed

    def _forget(self, tag, region_id, gone):
        with self._lock:
            entry = self._by_tag.get(tag)
            if entry is None or entry[0] != region_id:
                return
            del self._by_tag[tag]
            self._tag_by_id.pop(region_id, None)
            self._pending_whole.discard(tag)
            if self._finalizer.alive:
                self._lib.wcf_unwatch(self._handle, region_id)
            if gone:
                self._pending_gone.append(tag)

    def unwatch(self, tag):
        with self._lock:
            self._check_open()
            entry = self._by_tag.get(tag)
            if entry is None:
                raise WcfError(f"tag {tag!r} is not watched")
            self._forget(tag, entry[0], gone=False)

    def _follow_moved_arrays(self):
        """numpy resize/realloc moves the data without telling anyone: re-watch at the new place."""
        for tag, entry in list(self._by_tag.items()):
            region_id, extent, ref, flags = entry
            if ref is None:
                continue
            target = ref()
            if target is None:
                continue
            now = buffer_extent(target)
            now.elem_size = extent.elem_size
            if now.same_memory(extent):
                continue
            self._lib.wcf_unwatch(self._handle, region_id)
            self._tag_by_id.pop(region_id, None)
            try:
                new_id = self._watch_extent(now, flags)
            except WcfError:  # the new memory cannot be watched: report the tag gone, keep the rest going
                del self._by_tag[tag]
                self._pending_gone.append(tag)
                continue
            entry[0], entry[1] = new_id, now
            entry[2] = weakref.ref(target, self._make_freed_callback(tag, new_id))
            self._tag_by_id[new_id] = tag
            self._pending_whole.add(tag)

    def collect(self):
        """{tag: [(offset, length), ...]} for every tag written since the last collect."""
        with self._lock:
            self._check_open()
            self._follow_moved_arrays()
            ranges = ctypes.POINTER(_DirtyRange)()
            count = ctypes.c_size_t()
            rc = self._lib.wcf_collect(self._handle, ctypes.byref(ranges), ctypes.byref(count))
            if rc != 0:
                self._fail(rc, "collect failed")
            result = {}
            gone = self._pending_gone
            self._pending_gone = []
            for i in range(count.value):
                r = ranges[i]
                tag = self._tag_by_id.get(r.tag)
                if tag is None:
                    continue
                if r.flags & _RANGE_REGION_GONE:
                    del self._by_tag[tag]
                    del self._tag_by_id[r.tag]
                    gone.append(tag)
                    continue
                result.setdefault(tag, []).append((r.offset, r.length))
            for tag in self._pending_whole:
                if tag in self._by_tag:
                    result[tag] = [(0, self._by_tag[tag][1].length)]
            self._pending_whole = set()
            self.last_gone = gone
            return result

    def stats(self):
        with self._lock:
            self._check_open()
            out = _Stats()
            self._lib.wcf_get_stats(self._handle, ctypes.byref(out))
            values = {name: getattr(out, name) for name, _ in _Stats._fields_ if name != "reserved"}
            values["mechanism"] = _MECHANISM_NAMES.get(out.mechanism, "?")
            values["user_mode_only"] = bool(out.user_mode_only)
            values["forked_child"] = bool(out.forked_child)
            return values

    def watched_tags(self):
        with self._lock:
            return list(self._by_tag)

    def _check_open(self):
        if not self._finalizer.alive:
            raise WcfError("this tracker is closed; open a new Tracker")

    def close(self):
        with self._lock:
            self._by_tag.clear()
            self._tag_by_id.clear()
            self._finalizer()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
