# BufferTracker: the recording's element-level write history of buffers (numpy arrays, torch CPU tensors,
# bytearray, array.array, mmap, memoryview) through libwcf (buffer_wcf_driver.py), stored as buffer_writes rows.
# Runs in the debuggee: it never raises into the program and never pins a buffer the program may resize or
# close (a torch storage is held while watched, but its data can still move: it is followed).
import ctypes
import hashlib
import json
import threading
import weakref

from .buffer_layout import (ROOT_NDARRAY, ROOT_RAW, ROOT_TORCH, describe, describe_tensor, describe_with_reason,
                            is_buffer_type, raw_extent, storage_extent, tensor_signature)
from .buffer_wcf_driver import RANGE_REGION_GONE, WcfDriver

FULL_COPY_LIMIT = 100 * 1024  # regions below this many bytes: a full copy per change
DIFF_LIMIT = 10 * 1024 * 1024  # up to this many bytes: changed element ranges with before/after bytes
# collect() asks for a flush once this many blob bytes are buffered; it also bounds what one commit spills
# into the file and its journal.
FLUSH_BYTES = 16 * 1024 * 1024
# Changed ranges closer than this are stored as one diff row (the unchanged elements between them have
# before == after): fewer rows for scattered updates, at the price of a few bytes.
MERGE_GAP = 256
NOTICE_KIND = "buffer-tracking"
BUFFER_WRITES_INSERT = ("INSERT INTO buffer_writes (step, object_id, offset, length, before, after, kind)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)")
TIER_FULL, TIER_DIFF, TIER_FINGERPRINT = "full", "diff", "fingerprint"
# snapshots="on-write": a region's first-sight content is stored only once the region is written in place
# (then at its first-sight step); buffers never written after first sight (most temporaries) store nothing.
SNAPSHOTS_ALWAYS, SNAPSHOTS_ON_WRITE = "always", "on-write"


class _Region:
    """One watched memory extent, named in buffer_writes by the object_id of the first object that led to it."""

    __slots__ = ("region_id", "root_ref", "root_strong", "root_kind", "root_key", "address", "nbytes", "itemsize",
                 "tier", "shadow", "tag", "object_ids", "pending_snapshot", "members")
    # members (torch regions): object_id -> [weak reference to the tensor, its tensor_signature when last
    # described]; the tensors are re-read at every collect, since resize_/set_/t_() change them in place.

    def root(self):
        return self.root_strong if self.root_ref is None else self.root_ref()


class BufferTracker:
    """Watches the buffers the recorder meets and writes what changed at each step boundary.

    rows: the writer's row lists; needs rows["buffer_writes"] and rows["notices"].
    track(obj, object_id, step) when the recorder first captures an object (cheap no-op for non-buffers);
    collect(step) at the start of every step: writes made since the previous collect become rows of `step`
    (so the state at step N includes every write done before N); returns True when the caller should flush.
    release(object_id) when the recorder forgets an object; close() at the end.
    """

    def __init__(self, rows, mechanism="auto", full_copy_limit=FULL_COPY_LIMIT, diff_limit=DIFF_LIMIT,
                 diff_huge=False, keep_before=False, snapshots=SNAPSHOTS_ALWAYS, content_budget=None,
                 flush_bytes=FLUSH_BYTES):
        self.rows_writes = rows["buffer_writes"]
        self.rows_notices = rows["notices"]
        self.full_copy_limit = full_copy_limit
        self.diff_limit = diff_limit
        self.diff_huge = diff_huge
        # keep_before=False (the default): diff rows carry no `before` bytes (readers derive them from earlier
        # rows), so no copy of diff-tier regions is kept here: a third less memory and half the diff volume
        # (numpy_train: 171 -> 129 MB, RSS 331 -> 232 MB). True stores them, for readers that want each row alone.
        self.keep_before = keep_before
        if snapshots not in (SNAPSHOTS_ALWAYS, SNAPSHOTS_ON_WRITE):
            raise ValueError("snapshots must be %r or %r" % (SNAPSHOTS_ALWAYS, SNAPSHOTS_ON_WRITE))
        self.snapshots = snapshots
        # Past this many stored content bytes (snapshots, copies, diffs), every buffer is fingerprinted from
        # the next write on, and a notice says so; None: no budget (the recording's --max-size still applies).
        self.content_budget = content_budget
        self.content_bytes = 0
        self.over_budget = False
        self.flush_bytes = flush_bytes
        self.pending_bytes = 0
        self.lock = threading.RLock()
        self.regions = {}  # tag -> _Region
        self.raw_regions = {}  # tag -> _Region watched by address (not numpy): checked for moves at each collect
        self.torch_regions = {}  # tag -> _Region of a torch storage: its data and its tensors checked at each collect
        self.region_by_root = {}  # root_key (id(root), or a torch storage's key) -> _Region
        self.region_of_object = {}  # object_id -> _Region
        self.freed_tags = []  # tags whose root the garbage collector freed (appended by weakref callbacks)
        self.freed_members = []  # object_ids of tracked tensors the garbage collector freed (likewise)
        self.reasons_noted = set()  # keys of the "not tracked because" notices written (one per reason)
        self.next_tag = 1  # libwcf tags: a new one for each watch, never reused
        # Regions are named by the object_id of the first object that led to them; when that id still names a
        # region in use (a tensor moved to another storage while tracked views keep its old one), the new
        # region gets the next of these.
        self.next_unnamed_region = -1
        self.errors_noted = set()
        self.tracker = None
        self.mechanism = None
        self._open(mechanism)

    # -- life cycle -------------------------------------------------------------------------------

    def _open(self, mechanism):
        try:
            self.tracker = WcfDriver(mechanism)
        except Exception as error:
            try:
                self.tracker = WcfDriver("hash")
            except Exception as hash_error:
                self._notice(0, "buffer tracking is off: libwcf could not open a tracker (%s; hash: %s)"
                             % (error, hash_error))
                return
            self._notice(0, "buffer tracking falls back to hashing every watched byte at each step "
                            "(slower, same answers): mechanism %r is unavailable: %s" % (mechanism, error))
        try:
            self.mechanism = self.tracker.mechanism
        except Exception:
            self.mechanism = "?"

    def close(self):
        with self.lock:
            tracker, self.tracker = self.tracker, None
            self.regions.clear()
            self.raw_regions.clear()
            self.torch_regions.clear()
            self.region_by_root.clear()
            self.region_of_object.clear()
            if tracker is not None:
                try:
                    tracker.close()
                except Exception:
                    pass

    # -- rows -------------------------------------------------------------------------------------

    def _notice(self, step, message):
        self.rows_notices.append((step, NOTICE_KIND, message))

    def _internal_error(self, step, where, error):
        key = (where, type(error).__name__)
        if key in self.errors_noted:  # one notice per kind of failure, not one per step
            return
        self.errors_noted.add(key)
        self.rows_notices.append((step, "internal-error", "buffer tracking: %s failed: %s: %s"
                                  % (where, type(error).__name__, error)))

    def _write(self, step, region_id, offset, length, before, after, kind):
        self.rows_writes.append((step, region_id, offset, length, before, after, kind))
        if after is not None:
            size = len(after) + (len(before) if before is not None else 0)
            self.pending_bytes += size
            if kind != "layout" and kind != "fingerprint":
                self.content_bytes += size
                if self.content_budget is not None and self.content_bytes > self.content_budget \
                        and not self.over_budget:
                    self.over_budget = True
                    self._notice(step, "buffer content budget reached at step %d (%d bytes stored, budget %d): "
                                       "from the next write on, buffers are recorded as fingerprints (which "
                                       "elements changed, not their values); raise the budget to keep values"
                                 % (step, self.content_bytes, self.content_budget))

    # -- tracking ---------------------------------------------------------------------------------

    def track(self, obj, object_id, step):
        """Start watching `obj` (recorded as `object_id`) at `step`; ignores non-buffers and known objects."""
        try:
            if self.tracker is None or not is_buffer_type(type(obj)):
                return
        except Exception:  # a type whose __mro__ cannot be read is no buffer of ours
            return
        with self.lock:
            if object_id in self.region_of_object or self.tracker is None:
                return
            try:
                place, refused = describe_with_reason(obj)
                if place is None:
                    if refused is not None and refused[0] not in self.reasons_noted:
                        self.reasons_noted.add(refused[0])
                        self._notice(step, refused[1])
                    return
                region = self._region_for(place, object_id, step)
                if region is None:
                    return
                self._join(region, object_id, obj, place, step)
            except Exception as error:
                self._internal_error(step, "track", error)

    def _join(self, region, object_id, obj, place, step):
        """`object_id` (described by `place`) lives in `region` from `step` on: its layout row."""
        region.object_ids.add(object_id)
        self.region_of_object[object_id] = region
        if region.root_kind == ROOT_TORCH:
            member = region.members.get(object_id)
            if member is None:
                member = region.members[object_id] = [weakref.ref(obj, self._member_freed_callback(object_id)), None]
            member[1] = tensor_signature(obj)
        self._write_layout(step, object_id, region, place)

    def _write_layout(self, step, object_id, region, place):
        layout = place.layout(region.region_id)
        layout["tier"] = region.tier
        layout["snapshots"] = self.snapshots
        self._write(step, object_id, place.offset, _count(place.shape) * place.itemsize, None,
                    json.dumps(layout, separators=(",", ":")), "layout")

    def _tier(self, nbytes):
        if self.over_budget:
            return TIER_FINGERPRINT
        if nbytes < self.full_copy_limit:
            return TIER_FULL
        if nbytes <= self.diff_limit or self.diff_huge:
            return TIER_DIFF
        return TIER_FINGERPRINT

    def _region_for(self, place, object_id, step):
        region = self.region_by_root.get(place.root_key)
        # A torch storage is held by its region, so its key cannot name other memory while the region lives.
        if region is not None and region.tag in self.regions and (region.root_kind == ROOT_TORCH
                                                                   or region.root() is place.root):
            return region
        region = _Region()
        region.region_id = object_id
        region.root_kind, region.root_key = place.root_kind, place.root_key
        region.members = None
        if place.root_kind == ROOT_TORCH:
            # The storage's Python wrapper lives only as long as we hold it (torch makes a new one per call):
            # holding it keeps the memory allocated while watched; the tensors are followed by weak references.
            region.root_ref, region.root_strong, region.members = None, place.root, {}
        else:
            try:
                region.root_ref, region.root_strong = weakref.ref(place.root, self._freed_callback(region)), None
            except TypeError:  # bytearray: no weak references; released by release()/close()
                region.root_ref, region.root_strong = None, place.root
        region.itemsize = place.region_itemsize
        region.object_ids = set()
        region.address, region.nbytes = place.address, place.nbytes
        region.tier = self._tier(place.nbytes)
        region.shadow = None
        region.pending_snapshot = None
        if not self._watch(region, step):
            return None
        self.region_by_root[place.root_key] = region
        self._snapshot(region, step, deferred=self.snapshots == SNAPSHOTS_ON_WRITE)
        return region

    def _freed_callback(self, region):
        tracker_ref = weakref.ref(self)

        def freed(_):
            tracker = tracker_ref()
            if tracker is not None:
                tracker.freed_tags.append(region.tag)  # list.append: safe from any thread, no lock taken
        return freed

    def _member_freed_callback(self, object_id):
        tracker_ref = weakref.ref(self)

        def freed(_):
            tracker = tracker_ref()
            if tracker is not None:
                tracker.freed_members.append(object_id)  # list.append: safe from any thread, no lock taken
        return freed

    def _watch(self, region, step):
        # Watched by address, numpy arrays too. A tracked array cannot move (numpy refuses an in-place
        # resize while the recorder, or our weak reference, holds it; _store() checks anyway), and its death
        # comes through our weak reference.
        region.tag = self.next_tag
        self.next_tag += 1
        try:
            # Only regions past the diff limit go without libwcf's shadow: their fingerprints then cover whole
            # written pages, including pages a heap neighbour wrote. Smaller ones (fingerprinted because the
            # content budget ran out) keep exact element ranges.
            self.tracker.watch(region.address, region.nbytes, region.itemsize, region.tag,
                               shadow=region.nbytes <= self.diff_limit or self.diff_huge)
        except Exception as error:
            self._notice(step, "buffer %d (%d bytes) is not tracked: %s" % (region.region_id, region.nbytes, error))
            return False
        self.regions[region.tag] = region
        if region.root_kind == ROOT_RAW:
            self.raw_regions[region.tag] = region
        elif region.root_kind == ROOT_TORCH:
            self.torch_regions[region.tag] = region
        return True

    def _snapshot(self, region, step, deferred=False):
        region.pending_snapshot = None
        if region.tier == TIER_FINGERPRINT:
            region.shadow = None
            return
        data = ctypes.string_at(region.address, region.nbytes)
        # The diff tier's copy of the previous bytes starts as the snapshot itself; it becomes a bytearray at
        # the first change, so arrays that are never written in place (most temporaries) cost one copy.
        region.shadow = data if region.tier == TIER_DIFF and self.keep_before else None
        if deferred:
            region.pending_snapshot = (step, data)
        else:
            self._write(step, region.region_id, 0, region.nbytes, None, data, "snapshot")

    # -- collecting -------------------------------------------------------------------------------

    def collect(self, step):
        """Write the changes made since the previous collect as rows of `step`; True: please flush now."""
        if not self.regions:
            return False
        with self.lock:
            if self.tracker is None:
                return False
            try:
                if self.raw_regions:
                    self._follow_raw_buffers(step)
                if self.freed_tags or self.freed_members:
                    self._forget_freed(step)
                if self.torch_regions:
                    self._follow_tensors(step)
                dirty = self.tracker.collect()
                if dirty:
                    self._store_dirty(dirty, step)
            except Exception as error:
                self._internal_error(step, "collect", error)
            if self.pending_bytes >= self.flush_bytes:
                self.pending_bytes = 0
                return True
            return False

    def _store_dirty(self, dirty, step):
        grouped = {}  # tag -> [(offset, length)]; libwcf groups ranges by tag, offsets rising
        for tag, offset, length, flags in dirty:
            if flags & RANGE_REGION_GONE:  # unmapped (a freed large array, a closed mapping)
                region = self.regions.get(tag)
                if region is not None:
                    self._drop(region)
                    self._write(step, region.region_id, 0, 0, None, None, "gone")
                continue
            grouped.setdefault(tag, []).append((offset, length))
        for tag, ranges in grouped.items():
            region = self.regions.get(tag)
            if region is None:
                continue
            # A strong reference while we read: the GIL is held from here on, so a root still alive now
            # cannot be freed by another thread under us (ctypes.string_at keeps the GIL).
            root = region.root()
            if root is not None:
                self._store(region, root, ranges, step)
            del root

    def _follow_raw_buffers(self, step):
        """bytearray/array.array/mmap memory moves (or goes) without telling anyone: look before collecting."""
        for region in list(self.raw_regions.values()):
            root = region.root()
            extent = raw_extent(root) if root is not None else None
            if extent is not None and (extent[0], extent[1]) == (region.address, region.nbytes):
                continue
            if extent is None:  # freed, a closed mmap, or a buffer that became read-only
                self._unwatch(region)
                self._drop(region)
                self._write(step, region.region_id, 0, 0, None, None, "gone")
                continue
            self._rewatch(region, root, extent[0], extent[1], step)

    def _follow_tensors(self, step):
        """A torch storage's data moves when a tensor resizes it (resize_, share_memory_), and a tensor changes
        shape (resize_, t_(), unsqueeze_()) or storage (set_, .data =) in place: look before collecting."""
        for region in list(self.torch_regions.values()):
            try:
                address, nbytes = storage_extent(region.root_strong)
            except Exception:  # not expected of a storage we hold: stop following it rather than misread it
                address, nbytes = 0, 0
            if (address, nbytes) != (region.address, region.nbytes):
                if address == 0 or nbytes == 0:
                    self._unwatch(region)
                    self._drop(region)
                    self._write(step, region.region_id, 0, 0, None, None, "gone")
                else:
                    self._rewatch(region, region.root_strong, address, nbytes, step)
                continue
            changed, tensor = None, None
            for object_id, (tensor_ref, signature) in region.members.items():
                tensor = tensor_ref()
                if tensor is not None and tensor_signature(tensor) != signature:
                    changed = (changed or []) + [(object_id, tensor)]
            tensor = None  # no strong reference kept past this collect
            for object_id, tensor in changed or ():
                self._follow_tensor(region, object_id, tensor, step)
            changed = tensor = None

    def _follow_tensor(self, region, object_id, tensor, step):
        """A tracked tensor changed in place: its new layout, in its region or (set_) in another one."""
        place, refused = describe_tensor(tensor, allow_empty=True)
        member = region.members[object_id]
        if place is None:  # not expected: what refuses a tensor (device, layout, ...) cannot change in place
            member[1] = tensor_signature(tensor)
            self._internal_error(step, "following a tensor", RuntimeError(refused[1]))
            return
        if _count(place.shape) == 0:  # no elements left (resize_(0), set_() of an empty storage)
            member[1] = tensor_signature(tensor)
            place.offset = 0
            self._write_layout(step, object_id, region, place)
            return
        if place.root_key == region.root_key:
            self._join(region, object_id, tensor, place, step)
            return
        # Moved to another storage: leave this region (dropped when nothing tracked uses it any more).
        del region.members[object_id]
        region.object_ids.discard(object_id)
        del self.region_of_object[object_id]
        if not region.object_ids:
            self._unwatch(region)
            self._drop(region)
        name = object_id
        if any(known.region_id == object_id for known in self.regions.values()):
            name = self.next_unnamed_region
            self.next_unnamed_region -= 1
        target = self._region_for(place, name, step)
        if target is not None:
            self._join(target, object_id, tensor, place, step)

    def _unwatch(self, region):
        self.tracker.unwatch(region.tag)  # False when libwcf already let it go (its memory was unmapped)

    def _rewatch(self, region, root, address, nbytes, step):
        """The root's memory moved or changed size: watch the new memory, record its layout and a snapshot."""
        self._write_pending_snapshot(region)
        self._unwatch(region)
        self.regions.pop(region.tag, None)
        self.raw_regions.pop(region.tag, None)
        self.torch_regions.pop(region.tag, None)
        region.address, region.nbytes = address, nbytes
        region.tier = self._tier(nbytes)
        if self._watch(region, step):
            self._snapshot(region, step)
            if region.root_kind == ROOT_TORCH:
                for object_id, (tensor_ref, _) in list(region.members.items()):
                    tensor = tensor_ref()
                    if tensor is not None:
                        self._follow_tensor(region, object_id, tensor, step)
                    del tensor
            else:
                self._write_resized_layouts(region, root, step)
        else:
            self._drop(region)
            self._write(step, region.region_id, 0, 0, None, None, "gone")

    def _forget_freed(self, step):
        freed_members, self.freed_members = self.freed_members, []
        for object_id in freed_members:
            # A tracked tensor was freed: its region goes with the last tensor tracked in it (as a numpy
            # region goes with its root array).
            region = self.region_of_object.get(object_id)
            if region is None or region.members is None or object_id not in region.members:
                continue
            del region.members[object_id]
            region.object_ids.discard(object_id)
            del self.region_of_object[object_id]
            if not region.object_ids and region.tag in self.regions:
                self._unwatch(region)
                self._drop(region)
                self._write(step, region.region_id, 0, 0, None, None, "gone")
        freed, self.freed_tags = self.freed_tags, []
        for tag in freed:
            region = self.regions.get(tag)
            if region is None:
                continue
            self._unwatch(region)
            self._drop(region)
            self._write(step, region.region_id, 0, 0, None, None, "gone")

    def _write_resized_layouts(self, region, root, step):
        # Only the root itself can change size (Python refuses to resize a buffer with live views of it).
        place = describe(root)
        if place is None:
            return
        layout = place.layout(region.region_id)
        layout["tier"] = region.tier
        layout["snapshots"] = self.snapshots
        self._write(step, region.region_id, place.offset, _count(place.shape) * place.itemsize, None,
                    json.dumps(layout, separators=(",", ":")), "layout")

    def _write_pending_snapshot(self, region):
        """snapshots="on-write": the region is being written, so its first-sight content is worth storing."""
        if region.pending_snapshot is not None:
            first_step, data = region.pending_snapshot
            region.pending_snapshot = None
            self._write(first_step, region.region_id, 0, len(data), None, data, "snapshot")

    def _store(self, region, root, ranges, step):
        if region.root_kind == ROOT_NDARRAY:
            place = describe(root)
            if place is not None and (place.address, place.nbytes) != (region.address, region.nbytes):
                # Only `resize(..., refcheck=False)` moves a tracked array; seen when its old memory is written.
                self._rewatch(region, root, place.address, place.nbytes, step)
                return
        if self.over_budget and region.tier != TIER_FINGERPRINT:
            region.tier, region.shadow, region.pending_snapshot = TIER_FINGERPRINT, None, None
        self._write_pending_snapshot(region)
        tier = region.tier
        address = region.address
        if tier == TIER_FULL:
            self._write(step, region.region_id, 0, region.nbytes, None, ctypes.string_at(address, region.nbytes),
                        "full")
        elif tier == TIER_DIFF and region.shadow is None:  # keep_before=False: libwcf's ranges are exact
            for offset, length in _merged(ranges, MERGE_GAP):
                self._write(step, region.region_id, offset, length, None, ctypes.string_at(address + offset, length),
                            "diff")
        elif tier == TIER_DIFF:
            shadow = region.shadow
            if type(shadow) is not bytearray:
                shadow = region.shadow = bytearray(shadow)
            for offset, length in _merged(ranges, MERGE_GAP):
                after = ctypes.string_at(address + offset, length)
                before = bytes(shadow[offset:offset + length])
                if before != after:
                    shadow[offset:offset + length] = after
                    self._write(step, region.region_id, offset, length, before, after, "diff")
        else:
            for offset, length in _merged(ranges, MERGE_GAP):
                digest = hashlib.blake2b(ctypes.string_at(address + offset, length), digest_size=16).digest()
                self._write(step, region.region_id, offset, length, None, digest, "fingerprint")

    # -- forgetting -------------------------------------------------------------------------------

    def _drop(self, region):
        self.regions.pop(region.tag, None)
        self.raw_regions.pop(region.tag, None)
        self.torch_regions.pop(region.tag, None)
        if self.region_by_root.get(region.root_key) is region:
            del self.region_by_root[region.root_key]
        for object_id in region.object_ids:
            if self.region_of_object.get(object_id) is region:
                del self.region_of_object[object_id]
        region.root_strong = None
        region.shadow = None
        region.pending_snapshot = None

    def release(self, object_id):
        """The recorder no longer tracks `object_id`: stop watching its region once no tracked object uses it."""
        with self.lock:
            region = self.region_of_object.pop(object_id, None)
            if region is None:
                return
            region.object_ids.discard(object_id)
            if region.members is not None:
                region.members.pop(object_id, None)
            if region.object_ids or self.tracker is None:
                return
            if region.tag in self.regions:
                self._unwatch(region)
            self._drop(region)

    def stats(self):
        with self.lock:
            result = {"mechanism": self.mechanism, "regions": len(self.regions),
                      "objects": len(self.region_of_object)}
            if self.tracker is not None:
                try:
                    result["tracker"] = self.tracker.stats()
                except Exception:
                    pass
            return result


def _merged(ranges, gap):
    """(offset, length) ranges in increasing order, with neighbours closer than `gap` bytes joined."""
    merged = []
    for offset, length in ranges:
        if merged and offset - (merged[-1][0] + merged[-1][1]) < gap:
            start = merged[-1][0]
            merged[-1] = (start, max(merged[-1][1], offset + length - start))
        else:
            merged.append((offset, length))
    return merged


def _count(shape):
    count = 1
    for n in shape:
        count *= n
    return count
