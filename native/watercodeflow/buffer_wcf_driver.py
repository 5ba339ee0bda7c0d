# The per-step driver of libwcf for BufferTracker: the C API (native/libwcf/wcf_tracker.h) over raw
# (address, length) regions with integer tags. It knows no Python objects; BufferTracker owns their lifetimes.
# Why not wcf_tracker.Tracker: its per-object bookkeeping costs ~10 µs per collect, against ~3 µs here.
import ctypes
import os

MECHANISMS = {"auto": 0, "async": 1, "thread": 2, "hash": 3}
_MECHANISM_NAMES = {value: name for name, value in MECHANISMS.items()}
WATCH_NO_SHADOW = 1
RANGE_REGION_GONE = 1


class WcfDriverError(RuntimeError):
    """A libwcf call failed; the message is libwcf's sentence saying why."""


class _DirtyRange(ctypes.Structure):  # wcf_dirty_range (WCF_TRACKER_ABI_VERSION 1)
    _fields_ = [("tag", ctypes.c_uint64), ("offset", ctypes.c_uint64), ("length", ctypes.c_uint64),
                ("flags", ctypes.c_uint32), ("reserved", ctypes.c_uint32)]


class _Stats(ctypes.Structure):  # wcf_stats (WCF_TRACKER_ABI_VERSION 1)
    _fields_ = [(name, ctypes.c_uint32) for name in ("mechanism", "user_mode_only", "forked_child", "reserved")] + [
        (name, ctypes.c_uint64) for name in (
            "regions", "regions_hash", "watched_bytes", "shadow_bytes", "collects", "dirty_pages",
            "compared_bytes", "ranges", "faults_handled", "last_collect_ns", "total_collect_ns")]


def library_path():
    """$WCF_LIBWCF, else the libwcf.so built in native/libwcf (as wcf_tracker.py finds it)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.environ.get("WCF_LIBWCF") or os.path.join(here, "libwcf", "libwcf.so")


def _load(path):
    if not os.path.exists(path):
        raise WcfDriverError("libwcf.so not found at %s: build it with `make -C native/libwcf` (or point "
                             "$WCF_LIBWCF at a built copy)" % path)
    lib = ctypes.CDLL(path)  # a CDLL of our own: its argtypes cannot clash with wcf_tracker.py's
    handle = ctypes.c_void_p
    lib.wcf_available_mechanisms.restype = ctypes.c_uint
    lib.wcf_available_mechanisms.argtypes = []
    lib.wcf_open.restype = ctypes.c_int
    lib.wcf_open.argtypes = [ctypes.c_int, ctypes.POINTER(handle), ctypes.c_char_p, ctypes.c_size_t]
    lib.wcf_watch.restype = ctypes.c_int
    lib.wcf_watch.argtypes = [handle, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_uint64,
                              ctypes.c_uint]
    lib.wcf_unwatch.restype = ctypes.c_int
    lib.wcf_unwatch.argtypes = [handle, ctypes.c_uint64]
    lib.wcf_collect.restype = ctypes.c_int
    lib.wcf_collect.argtypes = [handle, ctypes.POINTER(ctypes.POINTER(_DirtyRange)), ctypes.POINTER(ctypes.c_size_t)]
    lib.wcf_get_stats.restype = ctypes.c_int
    lib.wcf_get_stats.argtypes = [handle, ctypes.POINTER(_Stats)]
    lib.wcf_last_error.restype = ctypes.c_char_p
    lib.wcf_last_error.argtypes = [handle]
    lib.wcf_close.restype = ctypes.c_int
    lib.wcf_close.argtypes = [handle]
    return lib


def available_mechanisms():
    """The mechanisms this kernel and process allow, best first ('hash' is always there)."""
    mask = _load(library_path()).wcf_available_mechanisms()
    return [name for name in ("async", "thread", "hash") if mask & (1 << MECHANISMS[name])]


class WcfDriver:
    """One open libwcf tracker. Not thread-safe by itself: BufferTracker calls it under its lock.
    ctypes releases the GIL during each call, as the C library expects (it may block on page faults)."""

    def __init__(self, mechanism="auto"):
        if mechanism not in MECHANISMS:
            raise WcfDriverError("unknown mechanism %r: use one of %s" % (mechanism, ", ".join(MECHANISMS)))
        self._lib = _load(library_path())
        self._handle = ctypes.c_void_p()
        message = ctypes.create_string_buffer(512)
        rc = self._lib.wcf_open(MECHANISMS[mechanism], ctypes.byref(self._handle), message, len(message))
        if rc != 0:
            raise WcfDriverError(message.value.decode() or "wcf_open failed (%s)" % os.strerror(-rc))
        self._ranges = ctypes.POINTER(_DirtyRange)()
        self._count = ctypes.c_size_t()
        self._ranges_ref, self._count_ref = ctypes.byref(self._ranges), ctypes.byref(self._count)

    def _fail(self, rc, what):
        detail = self._lib.wcf_last_error(self._handle).decode()
        raise WcfDriverError("%s: %s" % (what, detail or os.strerror(-rc)))

    def watch(self, address, length, elem_size, tag, shadow=True):
        rc = self._lib.wcf_watch(self._handle, address, length, elem_size, tag, 0 if shadow else WATCH_NO_SHADOW)
        if rc != 0:
            self._fail(rc, "watch failed")

    def unwatch(self, tag):
        """Stops watching `tag`; False when libwcf had already let it go (its memory was unmapped)."""
        return self._lib.wcf_unwatch(self._handle, tag) == 0

    def collect(self):
        """[(tag, offset, length, flags)] changed since the previous collect, grouped by tag, offsets rising."""
        rc = self._lib.wcf_collect(self._handle, self._ranges_ref, self._count_ref)
        if rc != 0:
            self._fail(rc, "collect failed")
        count = self._count.value
        if not count:
            return ()
        return [(r.tag, r.offset, r.length, r.flags) for r in self._ranges[:count]]

    def stats(self):
        out = _Stats()
        self._lib.wcf_get_stats(self._handle, ctypes.byref(out))
        values = {name: getattr(out, name) for name, _ in _Stats._fields_ if name != "reserved"}
        values["mechanism"] = _MECHANISM_NAMES.get(out.mechanism, "?")
        return values

    @property
    def mechanism(self):
        return self.stats()["mechanism"]

    def close(self):
        if self._handle:
            self._lib.wcf_close(self._handle)
            self._handle = ctypes.c_void_p()
