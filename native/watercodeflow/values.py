# Value capture: turns Python values into recording value ids, keeps object identity, records object states.
# Must never call user code: repr() only on exact builtin scalar types, containers read through their base
# type's C methods, instances through their __dict__/__slots__; other objects get a fixed display.
import collections
import io
import itertools
import operator
import sys
import types

_NoneType = type(None)
SCALAR_TYPES = frozenset((int, float, complex, str, bytes, bool, _NoneType))
_CUT_MARK = "\u2026"
_COMPACT = (",", ":")

# Types whose C repr() reads nothing but names, numbers and addresses (no element reprs).
_SAFE_REPR_TYPES = frozenset(
    (
        types.FunctionType,
        types.BuiltinFunctionType,
        types.GeneratorType,
        types.CoroutineType,
        types.AsyncGeneratorType,
        types.CodeType,
        types.FrameType,
        types.TracebackType,
        types.WrapperDescriptorType,
        types.MethodDescriptorType,
        types.MethodWrapperType,
        types.GetSetDescriptorType,
        types.MemberDescriptorType,
        type(Ellipsis),
        type(NotImplemented),
        range,
    )
)
_OPAQUE_BUILTIN_TYPES = (types.ModuleType, types.MethodType, io.IOBase, type)

# kind -> (base type whose C methods read the children, how the children are read)
_CONTAINER_KINDS = (
    (dict, "dict"),
    (list, "list"),
    (tuple, "tuple"),
    (set, "set"),
    (frozenset, "frozenset"),
    (bytearray, "bytearray"),
    (collections.deque, "deque"),
)


# Objects whose memory buffer tracking watches (docs/buffer-tracking.md): numpy arrays, torch tensors,
# bytearray, and the opaque kinds that export a writable buffer (array.array, mmap, memoryview; BufferTracker
# checks the rest).
_BUFFER_KINDS = frozenset(("ndarray", "tensor", "bytearray", "opaque"))


def _has_buffer_protocol(cls, cache={}):
    has = cache.get(cls)
    if has is None:
        from .buffer_layout import is_buffer_type  # imported at the first candidate: it loads mmap and array

        try:
            has = bool(is_buffer_type(cls))
        except Exception:  # a type whose __mro__ cannot be read is no buffer of ours
            has = False
        cache[cls] = has
    return has


def _json_dumps(children):
    """Children JSON; `json` is imported at the first state written (its decoder imports `re`)."""
    global _json_dumps
    import json

    def dumps(value, _dumps=json.dumps):
        return _dumps(value, separators=_COMPACT)

    _json_dumps = dumps
    return dumps(children)


class TrackedObject:
    """One object the recording knows: its ids and the last state written for it."""

    __slots__ = ("obj", "object_id", "value_id", "kind", "expanded", "raw", "children", "length",
                 "cut", "seen_epoch", "seen_level", "has_state", "marked")

    def __init__(self, obj, object_id, value_id, kind):
        self.obj = obj  # strong ref: keeps id(obj) unique while tracked (see the lifetime note)
        self.object_id = object_id
        self.value_id = value_id
        self.kind = kind
        self.expanded = False
        self.raw = None  # the children objects last seen (flat list), compared by identity
        self.children = None  # the [key, value_id] list last written
        self.length = -1
        self.cut = 0
        self.seen_epoch = -1
        self.seen_level = 0
        self.has_state = False
        self.marked = False


def type_name(cls, cache={}):
    name = cache.get(cls)
    if name is None:
        try:
            module = type.__getattribute__(cls, "__module__")
            qualname = type.__getattribute__(cls, "__qualname__")
        except Exception:
            module, qualname = None, getattr(cls, "__name__", "?")
        name = qualname if module in (None, "builtins") else "%s.%s" % (module, qualname)
        cache[cls] = name
    return name


def safe_display(obj, max_repr):
    """A display string for any object, computed without user code."""
    cls = type(obj)
    if cls in SCALAR_TYPES:
        return cut_text(scalar_repr(obj, cls, max_repr), max_repr)
    if cls is tuple and all(type(item) in SCALAR_TYPES for item in obj):
        return cut_text(repr(obj), max_repr)
    return cut_text(opaque_display(obj, cls), max_repr)


def cut_text(text, max_repr):
    if len(text) > max_repr:
        return text[:max_repr] + _CUT_MARK
    return text


def scalar_repr(obj, cls, max_repr):
    if (cls is str or cls is bytes) and len(obj) > 16 * max_repr + 64:
        # repr() of a huge string is wasted work past the cut; the quote style follows the prefix.
        return repr(obj[: max_repr + 1])
    try:
        return repr(obj)
    except ValueError:
        # CPython >= 3.11 refuses repr() of ints past sys.get_int_max_str_digits().
        return "<int with %d bits>" % obj.bit_length()


def opaque_display(obj, cls):
    if cls in _SAFE_REPR_TYPES:
        return repr(obj)
    if isinstance(obj, type):
        return type.__repr__(obj)
    if cls is types.ModuleType:
        namespace = object.__getattribute__(obj, "__dict__")
        name, filename = namespace.get("__name__"), namespace.get("__file__")
        if type(filename) is str:
            return "<module %r from %r>" % (str(name), filename)
        return "<module %r (built-in)>" % (str(name),)
    if cls is types.MethodType:
        function = obj.__func__
        qualname = getattr(function, "__qualname__", "?")
        return "<bound method %s of %s>" % (
            qualname if type(qualname) is str else "?",
            object.__repr__(obj.__self__),
        )
    if isinstance(obj, BaseException) and cls.__module__ == "builtins":
        args = obj.args
        if all(type(arg) in SCALAR_TYPES for arg in args):
            return repr(obj)
    return object.__repr__(obj)


def _is_ndarray(cls):
    return cls.__name__ == "ndarray" and cls.__module__ == "numpy"


def _tensor_kind(cls):
    """"tensor" for torch.Tensor and its subclasses (torch.nn.Parameter, ...); "opaque" for a subclass with its
    own __torch_dispatch__ (reading it would run that code); None for other classes."""
    mro = cls.__mro__
    for position, klass in enumerate(mro):
        if klass.__name__ == "Tensor" and klass.__module__ == "torch":
            custom = any("__torch_dispatch__" in vars(k) for k in mro[:position])
            return "opaque" if custom else "tensor"
    return None


def classify(cls, cache={}):
    """The object kind of a (non-scalar) type: list, dict, ..., instance, ndarray, opaque."""
    kind = cache.get(cls)
    if kind is None:
        kind = _classify(cls)
        cache[cls] = kind
    return kind


def _classify(cls):
    for base, kind in _CONTAINER_KINDS:
        if issubclass(cls, base):
            return kind
    if _is_ndarray(cls):
        return "ndarray"
    tensor = _tensor_kind(cls)
    if tensor is not None:
        return tensor
    if cls.__module__ == "numpy":
        return "numpy-scalar"
    if cls in _SAFE_REPR_TYPES or issubclass(cls, _OPAQUE_BUILTIN_TYPES):
        return "opaque"
    module = type.__getattribute__(cls, "__module__")
    if module == "builtins":
        return "opaque"
    if any("__dict__" in vars(k) or "__slots__" in vars(k) for k in cls.__mro__[:-1]):
        return "instance"
    return "opaque"


_MANAGED_DICT = 1 << 4  # Py_TPFLAGS_MANAGED_DICT (CPython >= 3.11): instances of classes


def instance_namespace(obj):
    """The instance's __dict__, or None when it has none yet: reading must not make one. A C type that keeps the
    dict pointer itself (functools.partial flattens a nested partial only while it has no __dict__; classes
    before 3.11) has it read from memory; a managed dict (classes, 3.11+) is made invisibly."""
    cls = type(obj)
    offset = cls.__dictoffset__
    if offset > 0 and not cls.__flags__ & _MANAGED_DICT:
        import ctypes

        if not ctypes.c_void_p.from_address(id(obj) + offset).value:
            return None
    try:
        return object.__getattribute__(obj, "__dict__")
    except Exception:
        return None


def _slot_names(cls, cache={}):
    names = cache.get(cls)
    if names is None:
        found = []
        for klass in cls.__mro__:
            slots = vars(klass).get("__slots__")
            if slots is None:
                continue
            if isinstance(slots, str):
                slots = (slots,)
            for slot in slots:
                if slot not in ("__dict__", "__weakref__"):
                    descriptor = vars(klass).get(slot)
                    if type(descriptor) is types.MemberDescriptorType:
                        found.append((slot, descriptor))
        names = tuple(found)
        cache[cls] = names
    return names


class ValueCapture:
    """value_id(obj, level) for the recorder; writes vals/objects/object_states rows through `rows`."""

    def __init__(self, writer_rows, max_repr, max_items, max_depth):
        self.rows_vals = writer_rows["vals"]
        self.rows_objects = writer_rows["objects"]
        self.rows_states = writer_rows["object_states"]
        self.max_repr = max_repr
        self.max_items = max_items
        self.max_depth = max_depth
        self.step = 0  # the step new rows belong to
        self.epoch = 0  # one read pass; an object is read at most once per pass (and level)
        # Objects that once had children recorded stay exact wherever they are reached, down to this level;
        # the cap bounds the work (and the recursion) on long linked structures.
        self.sticky_level_limit = max_depth + 16
        self.scalar_ids = {}
        self.tracked = {}  # id(obj) -> TrackedObject
        self.next_value_id = 1
        self.next_object_id = 1
        self.sweep_threshold = 4096
        # ids of objects the recorder dropped a reference to (a binding, a frame's scope, a container's old
        # item): those only the recorder still holds are released by release_dead(), not at the next sweep
        self.dropped = []
        # buffer tracking (buffer_hooks.BufferHooks, set by the recorder): the objects offered to it
        self.buffers = None
        self.buffers_watched = False
        self.buffer_objects = set()

    # -- scalars ----------------------------------------------------------------------------------

    def scalar_id(self, obj, cls):
        key = (cls, repr(obj)) if cls is float or cls is complex else (cls, obj)
        value_id = self.scalar_ids.get(key)
        if value_id is None:
            value_id = self.next_value_id
            self.next_value_id += 1
            text = cut_text(scalar_repr(obj, cls, self.max_repr), self.max_repr)
            self.rows_vals.append((value_id, type_name(cls), text, None))
            self.scalar_ids[key] = value_id
        return value_id

    # -- objects ----------------------------------------------------------------------------------

    def value_id(self, obj, level=1):
        cls = type(obj)
        if cls in SCALAR_TYPES:
            return self.scalar_id(obj, cls)
        entry = self.tracked.get(id(obj))
        if entry is None:
            kind = classify(cls)
            if kind == "numpy-scalar":
                return self._numpy_scalar_id(obj, cls)
            entry = self._track(obj, cls, kind)
        elif entry.seen_epoch == self.epoch and (level >= entry.seen_level or entry.expanded):
            return entry.value_id
        entry.seen_epoch = self.epoch
        entry.seen_level = level
        self._refresh(entry, level)
        return entry.value_id

    def _numpy_scalar_id(self, obj, cls):
        key = (cls, repr(obj))
        value_id = self.scalar_ids.get(key)
        if value_id is None:
            value_id = self.next_value_id
            self.next_value_id += 1
            self.rows_vals.append((value_id, type_name(cls), cut_text(key[1], self.max_repr), None))
            self.scalar_ids[key] = value_id
        return value_id

    def _track(self, obj, cls, kind):
        object_id = self.next_object_id
        self.next_object_id += 1
        value_id = self.next_value_id
        self.next_value_id += 1
        name = type_name(cls)
        display = None
        if kind == "opaque":
            display = cut_text(opaque_display(obj, cls), self.max_repr)
        elif kind == "ndarray":
            display = cut_text(
                "array(shape=%s, dtype=%s)" % (tuple(obj.shape), obj.dtype), self.max_repr
            )
        elif kind == "tensor":
            display = tensor_display(obj, self.max_repr)
        self.rows_vals.append((value_id, name, display, object_id))
        self.rows_objects.append((object_id, name, kind, self.step))
        if self.buffers is not None and kind in _BUFFER_KINDS and _has_buffer_protocol(cls):
            self.buffers_watched = self.buffers.track(obj, object_id, self.step)
            self.buffer_objects.add(object_id)
        entry = TrackedObject(obj, object_id, value_id, kind)
        self.tracked[id(obj)] = entry
        return entry

    def _refresh(self, entry, level):
        kind = entry.kind
        if kind == "opaque":
            if not entry.has_state:
                self._write_state(entry, 0, [], 0)
            return
        if kind == "ndarray":
            self._refresh_ndarray(entry)
            return
        if kind == "tensor":
            self._refresh_tensor(entry)
            return
        if entry.expanded and level > self.sticky_level_limit:
            return  # keep the last state rather than cut it: it is still right as far as it was read
        raw, length = self._read_children(entry)
        if not (entry.expanded or level <= self.max_depth):
            if not entry.has_state or length != entry.length:
                self._write_state(entry, length, [], -1)
            return
        entry.expanded = True
        old = entry.raw
        if (
            old is not None
            and length == entry.length
            and len(old) == len(raw)
            and all(map(operator.is_, old, raw))
        ):
            # Same children objects: only nested objects can have changed.
            for child in raw[1::2] if kind in ("dict", "instance") else raw:
                if type(child) not in SCALAR_TYPES:
                    self.value_id(child, level + 1)
            return
        children = self._children(entry, raw, level + 1, old)
        cut = length - (len(raw) // 2 if kind in ("dict", "instance") else len(raw))
        entry.raw = raw
        if old:
            self.dropped.extend(id(child) for child in old if type(child) not in SCALAR_TYPES)
        if children != entry.children or length != entry.length or cut != entry.cut:
            entry.children = children
            self._write_state(entry, length, children, cut)

    def _write_state(self, entry, length, children, cut):
        entry.has_state = True
        entry.length = length
        entry.cut = cut
        self.rows_states.append(
            (entry.object_id, self.step, length, _json_dumps(children), cut)
        )

    def _read_children(self, entry):
        """(flat list of the first max_items children, full length); dict/instance lists alternate key, value."""
        obj, kind, limit = entry.obj, entry.kind, self.max_items
        if kind == "list":
            return list.__getitem__(obj, slice(0, limit)), list.__len__(obj)
        if kind == "tuple":
            return list(tuple.__getitem__(obj, slice(0, limit))), tuple.__len__(obj)
        if kind == "dict":
            flat = list(itertools.chain.from_iterable(itertools.islice(dict.items(obj), limit)))
            return flat, dict.__len__(obj)
        if kind == "set" or kind == "frozenset":
            base = set if kind == "set" else frozenset
            return list(itertools.islice(base.__iter__(obj), limit)), base.__len__(obj)
        if kind == "bytearray":
            return list(bytearray.__getitem__(obj, slice(0, limit))), bytearray.__len__(obj)
        if kind == "deque":
            deque = collections.deque
            return list(itertools.islice(deque.__iter__(obj), limit)), deque.__len__(obj)
        # instance: __dict__ (read without __getattribute__ overrides), then slots
        flat = []
        namespace = instance_namespace(obj)
        length = 0
        if type(namespace) is dict:
            length = dict.__len__(namespace)
            flat = list(itertools.chain.from_iterable(itertools.islice(dict.items(namespace), limit)))
        for name, descriptor in _slot_names(type(obj)):
            try:
                value = descriptor.__get__(obj)
            except AttributeError:
                continue
            length += 1
            if len(flat) < 2 * limit:
                flat.append(name)
                flat.append(value)
        return flat, length

    def _children(self, entry, raw, child_level, old_raw):
        """[key, value_id] pairs; a scalar child identical to the one at its position last time keeps its id."""
        value_id = self.value_id
        old_children = entry.children
        if old_raw is None or old_children is None:
            old_raw, old_children = (), ()
        if entry.kind in ("dict", "instance"):
            is_dict = entry.kind == "dict"
            children = []
            for index in range(0, len(raw), 2):
                key, child = raw[index], raw[index + 1]
                position = index // 2
                if (index + 1 < len(old_raw) and old_raw[index] is key and old_raw[index + 1] is child
                        and type(child) in SCALAR_TYPES):
                    children.append(old_children[position])
                    continue
                if is_dict or type(key) is not str:
                    key = safe_display(key, self.max_repr)
                children.append([key, value_id(child, child_level)])
            return children
        children = []
        old_count = len(old_raw)
        for index, child in enumerate(raw):
            if index < old_count and old_raw[index] is child and type(child) in SCALAR_TYPES:
                children.append(old_children[index])
            else:
                children.append([index, value_id(child, child_level)])
        return children

    def _refresh_ndarray(self, entry):
        array = entry.obj
        size = int(array.size)
        small = size <= self.max_items
        try:
            signature = (tuple(array.shape), str(array.dtype), array.tobytes() if small else None)
        except Exception:  # e.g. object arrays of unusual items: fall back to shape/dtype only
            signature = (tuple(array.shape), str(array.dtype), None)
            small = False
        if entry.has_state and signature == entry.raw:
            if small and array.dtype.kind == "O":
                for item in array.ravel().tolist():
                    self.value_id(item, self.max_depth + 1)
            return
        entry.raw = signature
        children = []
        if small:
            value_id = self.value_id
            children = [[i, value_id(item, self.max_depth + 1)]
                        for i, item in enumerate(array.ravel().tolist())]
        self._write_state(entry, size, children, 0 if small else size)

    def _refresh_tensor(self, entry):
        signature, size, items = tensor_state(entry.obj, self.max_items)
        if entry.has_state and signature == entry.raw:
            return
        entry.raw = signature
        children = []
        if items is not None:
            value_id = self.value_id
            children = [[i, value_id(item, self.max_depth + 1)] for i, item in enumerate(items)]
        self._write_state(entry, size, children, 0 if items is not None else size)

    # -- lifetime ---------------------------------------------------------------------------------

    def _forget_buffer(self, object_id):
        """An object released by the recorder: buffer tracking lets it go too."""
        if object_id in self.buffer_objects:
            self.buffer_objects.discard(object_id)
            self.buffers.release(object_id)

    def release_dead(self, keep_held):
        """Release the tracked objects only the recorder still holds among those it dropped a reference to: the
        program cannot reach them any more, so under plain python they would be gone already (and their __del__
        and weakref callbacks run). Called at the end of each event and at the next step (wcf_release_dead in
        the C core): `keep_held` keeps the ones still held, such as a returning frame's locals, for that second
        look; an object the program still holds then is left to the sweep."""
        dropped, tracked, kept = self.dropped, self.tracked, []
        getrefcount = sys.getrefcount
        while dropped:
            key = dropped.pop()
            entry = tracked.get(key)
            if entry is None:
                continue
            if getrefcount(entry.obj) != 2:  # 2: the entry's reference and the call's argument
                if keep_held:
                    kept.append(key)
                continue
            del tracked[key]
            self._forget_buffer(entry.object_id)
            raw = entry.raw
            entry.obj = entry.raw = None  # the object first: its items are then held by `raw` alone if by nothing else
            if raw and entry.kind != "ndarray" and entry.kind != "tensor":
                dropped.extend(id(child) for child in raw if type(child) not in SCALAR_TYPES)
            raw = entry = None
        dropped.extend(kept)

    def maybe_sweep(self, root_values):
        """Release tracked objects no recorded scope can reach (root_values: iterable of bound values)."""
        if len(self.tracked) < self.sweep_threshold:
            return
        tracked = self.tracked
        pending = [value for value in root_values if type(value) not in SCALAR_TYPES]
        while pending:
            entry = tracked.get(id(pending.pop()))
            if entry is None or entry.marked:
                continue
            entry.marked = True
            raw = entry.raw
            if raw and entry.kind != "ndarray" and entry.kind != "tensor":  # raw is their signature, not children
                pending.extend(child for child in raw if type(child) not in SCALAR_TYPES)
        dead = [key for key, entry in tracked.items() if not entry.marked]
        for key in dead:
            self._forget_buffer(tracked.pop(key).object_id)
        for entry in tracked.values():
            entry.marked = False
        self.sweep_threshold = max(4096, 2 * len(tracked))


# -- torch tensors (shared with the C core through core_helpers) ----------------------------------------------
# Read with buffer_layout.read_tensor: torch's own C accessors, no __torch_function__, nothing through torch's
# dispatcher (so no autograd graph, version counter, hook or dispatch mode sees it). Elements are read from
# memory only for dense CPU tensors without a lazy conjugate/negative bit (tolist() would resolve those with
# an operator); other tensors record their shape and length only.

def _tensor_facts(reads, tensor):
    shape = tuple(reads.size(tensor))
    dtype = str(reads.dtype(tensor))
    suffix = ""
    if not reads.is_cpu(tensor):
        suffix = ", device='%s'" % reads.device(tensor)
    layout = reads.layout(tensor)
    if layout is not reads.strided:
        suffix += ", layout=%s" % layout
    return shape, dtype, suffix


def tensor_display(tensor, max_repr):
    """`tensor(shape=(2, 3), dtype=torch.float32)` (with device= / layout= when not a dense CPU tensor)."""
    from .buffer_layout import read_tensor

    try:
        shape, dtype, suffix = read_tensor(tensor, _tensor_facts)
    except Exception:  # a tensor torch cannot describe (a broken subclass): the fixed display of opaque objects
        return cut_text(object.__repr__(tensor), max_repr)
    return cut_text("tensor(shape=%s, dtype=%s%s)" % (shape, dtype, suffix), max_repr)


def _flat(items, ndim):
    for _ in range(ndim - 1):
        items = list(itertools.chain.from_iterable(items))
    return items if ndim else [items]


def _tensor_elements(reads, tensor, max_items):
    shape = tuple(reads.size(tensor))
    dtype = str(reads.dtype(tensor))
    size = 1
    for count in shape:
        size *= count
    readable = (size <= max_items and reads.is_cpu(tensor) and reads.layout(tensor) is reads.strided
                and not (reads.is_quantized(tensor) or reads.is_conj(tensor) or reads.is_neg(tensor)
                         or reads.is_nested(tensor)))
    if not readable:
        return (shape, dtype, None), size, None
    if size == 0:
        return (shape, dtype, b""), 0, []
    # The elements' bytes in C order (exact, unlike comparing floats: nan, -0.0): the state changes with them.
    import ctypes

    itemsize = reads.element_size(tensor)
    data = reads.data_ptr(tensor)
    if data == 0:
        return (shape, dtype, None), size, None
    strides = tuple(stride * itemsize for stride in reads.stride(tensor))
    offsets = [0]
    for count, stride in zip(shape, strides):
        offsets = [at + i * stride for at in offsets for i in range(count)]
    low, high = min(offsets), max(offsets) + itemsize
    if high - low <= 4 * size * itemsize + 64:
        span = ctypes.string_at(data + low, high - low)
        raw = b"".join(span[at - low:at - low + itemsize] for at in offsets)
    else:  # a few elements far apart (a column of a large matrix): element by element
        raw = b"".join(ctypes.string_at(data + at, itemsize) for at in offsets)
    return (shape, dtype, raw), size, _flat(reads.tolist(tensor), len(shape))


def tensor_state(tensor, max_items):
    """(signature, size, items or None), as ndarray_state: items (Python scalars, C order) only for dense CPU
    tensors of at most max_items elements."""
    from .buffer_layout import read_tensor

    try:
        return read_tensor(tensor, lambda reads, tensor: _tensor_elements(reads, tensor, max_items))
    except Exception:  # a tensor torch cannot describe (a broken subclass): no length, no elements
        return None, 0, None
