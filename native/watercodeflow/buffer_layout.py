# Where a buffer's bytes live: resolves numpy arrays (and views), torch CPU tensors (and views), memoryview,
# bytearray, array.array and mmap to the memory region to watch (its root owner) and the object's place inside
# it (offset, shape, strides). Reads only: calls no user code, keeps no reference to what it inspects (but the
# BufferPlace it returns), never imports numpy or torch (a tensor's torch is taken from sys.modules).
import array
import ctypes
import mmap
import sys

_BUILTIN_BUFFER_TYPES = (bytearray, array.array, mmap.mmap)


def _ndarray_class(cls, cache={}):
    """numpy.ndarray when `cls` is it or a subclass (np.matrix, np.memmap, ...), else None; numpy stays unimported."""
    try:
        return cache[cls]
    except KeyError:
        pass
    found = None
    for klass in cls.__mro__:
        if klass.__name__ == "ndarray" and klass.__module__ == "numpy":
            found = klass
            break
    cache[cls] = found
    return found


def tensor_class(cls, cache={}):
    """torch.Tensor when `cls` is it or a subclass (torch.nn.Parameter, ...), else None; torch stays unimported.
    None for a subclass with its own __torch_dispatch__ too: reading it would run that code."""
    try:
        return cache[cls]
    except KeyError:
        pass
    found = None
    mro = cls.__mro__
    for position, klass in enumerate(mro):
        if klass.__name__ == "Tensor" and klass.__module__ == "torch":
            if not any("__torch_dispatch__" in vars(k) for k in mro[:position]):
                found = klass
            break
    cache[cls] = found
    return found


def is_buffer_type(cls):
    """True for the types BufferTracker watches (numpy arrays, torch tensors and the builtin writable buffers)."""
    return (_ndarray_class(cls) is not None or issubclass(cls, _BUILTIN_BUFFER_TYPES)
            or issubclass(cls, memoryview) or tensor_class(cls) is not None)


# Where a region's memory comes from, which says how the tracker follows it (buffers.py): a numpy root array
# (held weakly: it cannot move), a builtin buffer (watched by address, checked at every collect) or a torch
# storage (held while watched; its data can move: resize_, set_).
ROOT_NDARRAY, ROOT_RAW, ROOT_TORCH = "ndarray", "raw", "torch"


class BufferPlace:
    """One object's place: the region to watch (root, address, nbytes, itemsize) and the object inside it
    (element 0 at `offset` bytes from the region start, `shape`, byte `strides`, `dtype` as numpy's dtype.str
    or None, `format` as the buffer protocol's struct format or None). `root_key` names the region's memory
    (two places with one key share a region); `torch_dtype` is a tensor's dtype ("torch.float32"), else None."""

    __slots__ = ("root", "root_kind", "root_key", "address", "nbytes", "region_itemsize", "offset", "shape",
                 "strides", "itemsize", "dtype", "descr", "format", "type_name", "torch_dtype")

    def layout(self, region_id):
        """The JSON-able metadata of a `layout` row (docs/buffer-tracking.md)."""
        layout = {"region": region_id, "type": self.type_name, "dtype": self.dtype, "descr": self.descr,
                  "format": self.format, "shape": list(self.shape), "strides": list(self.strides),
                  "itemsize": self.itemsize, "regionBytes": self.nbytes}
        if self.torch_dtype is not None:
            layout["torchDtype"] = self.torch_dtype
        return layout


def strided_extent(address, shape, strides, itemsize):
    """(lowest address, byte length) covered by a strided array; (address, 0) when it has no element."""
    low = high = 0
    for count, stride in zip(shape, strides):
        if count == 0:
            return address, 0
        span = (count - 1) * stride
        if span < 0:
            low += span
        else:
            high += span
    return address + low, high - low + itemsize


def c_strides(shape, itemsize):
    strides = []
    step = itemsize
    for count in reversed(shape):
        strides.append(step)
        step *= max(count, 1)
    return tuple(reversed(strides))


def _interface(nd, obj):
    # The class's own descriptor: a subclass overriding __array_interface__ in Python is not called.
    return nd.__dict__["__array_interface__"].__get__(obj)


def _ndarray_root(nd, obj):
    """The last ndarray in obj's base chain: a write through any view lands in its memory."""
    base_of = nd.__dict__["base"].__get__
    root = obj
    while True:
        base = base_of(root)
        if base is None or _ndarray_class(type(base)) is None:
            return root
        root = base


def _describe_ndarray(nd, obj):
    dtype = nd.__dict__["dtype"].__get__(obj)
    if dtype.hasobject:
        return None  # object arrays hold pointers: their bytes say nothing about the values
    root = _ndarray_root(nd, obj)
    if not nd.__dict__["flags"].__get__(root).writeable:
        return None  # nothing in this process can write it through numpy
    face = _interface(nd, obj)
    root_face = face if root is obj else _interface(nd, root)
    root_itemsize = int(root_face["typestr"][2:])
    root_strides = root_face.get("strides") or c_strides(root_face["shape"], root_itemsize)
    address, nbytes = strided_extent(root_face["data"][0], root_face["shape"], root_strides, root_itemsize)
    if nbytes == 0:
        return None
    place = BufferPlace()
    place.root, place.root_kind, place.root_key, place.torch_dtype = root, ROOT_NDARRAY, id(root), None
    place.address, place.nbytes, place.region_itemsize = address, nbytes, root_itemsize
    place.itemsize = dtype.itemsize
    place.shape = tuple(face["shape"])
    place.strides = tuple(face.get("strides") or c_strides(place.shape, place.itemsize))
    place.offset = face["data"][0] - address
    place.dtype = dtype.str
    place.descr = [list(field) for field in dtype.descr] if dtype.names else None
    place.format = None
    place.type_name = "%s.%s" % (type(obj).__module__, type(obj).__qualname__)
    return place


def raw_extent(obj):
    """(address, nbytes, itemsize, format, shape, strides) of a writable C-contiguous buffer, or None.
    The buffer export lasts only for this call, so the program can still resize or close the object."""
    try:
        view = memoryview(obj)
    except (TypeError, ValueError):  # ValueError: a closed mmap
        return None
    try:
        if view.readonly or not view.c_contiguous or view.nbytes == 0:
            return None
        pin = (ctypes.c_char * view.nbytes).from_buffer(view)
        address = ctypes.addressof(pin)
        del pin
        return address, view.nbytes, view.itemsize, view.format, tuple(view.shape), tuple(view.strides)
    finally:
        try:
            view.release()
        except BufferError:
            pass


def describe(obj):
    """The BufferPlace of `obj`, or None when it is not a writable, non-empty buffer we can watch."""
    return describe_with_reason(obj)[0]


def describe_with_reason(obj):
    """(BufferPlace, None), or (None, None) for what is silently not a buffer of ours (empty, read-only, object
    arrays), or (None, (key, message)) for a buffer we cannot watch and should say so, once per key."""
    cls = type(obj)
    if tensor_class(cls) is not None:
        return describe_tensor(obj)
    return _describe_buffer(obj, cls), None


def _describe_buffer(obj, cls):
    nd = _ndarray_class(cls)
    if nd is not None:
        return _describe_ndarray(nd, obj)
    if not (issubclass(cls, _BUILTIN_BUFFER_TYPES) or issubclass(cls, memoryview)):
        return None
    extent = raw_extent(obj)
    if extent is None:
        return None
    address, nbytes, itemsize, fmt, shape, strides = extent
    root, root_address, root_nbytes, root_itemsize = obj, address, nbytes, itemsize
    if issubclass(cls, memoryview):
        exporter = obj.obj
        nd = _ndarray_class(type(exporter))
        if nd is not None:
            root_place = _describe_ndarray(nd, exporter)
            if root_place is None:
                return None
            root, root_address, root_nbytes = root_place.root, root_place.address, root_place.nbytes
            root_itemsize = root_place.region_itemsize
        elif isinstance(exporter, _BUILTIN_BUFFER_TYPES):
            root_extent = raw_extent(exporter)
            if root_extent is None:
                return None
            root, root_address, root_nbytes, root_itemsize = exporter, root_extent[0], root_extent[1], root_extent[2]
    place = BufferPlace()
    place.root, place.root_key, place.torch_dtype = root, id(root), None
    place.root_kind = ROOT_NDARRAY if _ndarray_class(type(root)) is not None else ROOT_RAW
    place.address, place.nbytes, place.region_itemsize = root_address, root_nbytes, root_itemsize
    place.offset = address - root_address
    place.shape, place.strides, place.itemsize = shape, strides, itemsize
    place.format = fmt
    place.dtype = None
    place.descr = None
    place.type_name = cls.__qualname__ if cls.__module__ == "builtins" else "%s.%s" % (cls.__module__,
                                                                                      cls.__qualname__)
    return place


# -- torch tensors ---------------------------------------------------------------------------------------------
# Read through torch._C._TensorBase's own descriptors, so that a subclass's Python overrides (properties,
# __getattribute__) never run, and for subclasses with __torch_function__ disabled (its override would run
# there). None of these reads goes through torch's dispatcher (no dispatch mode, hook or autograd sees them).

_TORCH_NUMPY_DTYPES = {"torch.float16": "f2", "torch.float32": "f4", "torch.float64": "f8", "torch.int8": "i1",
                       "torch.int16": "i2", "torch.int32": "i4", "torch.int64": "i8", "torch.uint8": "u1",
                       "torch.bool": "b1", "torch.complex64": "c8", "torch.complex128": "c16"}
# dtypes numpy has no equivalent of: named in a layout's `descr`, decoded by readers from the name
TORCH_ONLY_DTYPES = frozenset(("torch.bfloat16", "torch.complex32"))
_BYTE_ORDER = "<" if sys.byteorder == "little" else ">"


class _TorchReads:
    """torch's own C accessors, looked up once per process (after the program imported torch)."""

    def __init__(self, torch):
        base = torch._C._TensorBase.__dict__
        storage = torch._C.StorageBase.__dict__
        self.exact_types = (torch.Tensor, torch.nn.Parameter)
        self.no_torch_function = torch._C.DisableTorchFunction
        self.strided = torch.strided
        self.size, self.stride, self.data_ptr = base["size"], base["stride"], base["data_ptr"]
        self.element_size, self.storage, self.tolist = base["element_size"], base["_storage"], base["tolist"]
        self.is_conj, self.is_neg = base["is_conj"], base["is_neg"]
        self.dtype, self.layout, self.device = (base[name].__get__ for name in ("dtype", "layout", "device"))
        self.is_cpu, self.is_quantized = base["is_cpu"].__get__, base["is_quantized"].__get__
        self.is_nested = base["is_nested"].__get__ if "is_nested" in base else (lambda tensor: False)
        self.storage_data_ptr, self.storage_nbytes = storage["data_ptr"], storage["nbytes"]
        self.storage_cdata = storage["_cdata"].__get__


_READS = []


def _torch_reads():
    if not _READS:
        _READS.append(_TorchReads(sys.modules["torch"]))
    return _READS[0]


def read_tensor(tensor, reader):
    """reader(reads, tensor), run where a tensor subclass's __torch_function__ cannot intercept it."""
    reads = _torch_reads()
    if type(tensor) in reads.exact_types:  # torch dispatches neither to __torch_function__
        return reader(reads, tensor)
    with reads.no_torch_function():
        return reader(reads, tensor)


def _tensor_signature(reads, tensor):
    return reads.data_ptr(tensor), reads.size(tensor), reads.stride(tensor)


def tensor_signature(tensor):
    """(data_ptr, shape, strides): changes when the tensor moved or changed shape in place (resize_, set_, t_).
    Called for every tracked tensor at every collect: the common case is inlined."""
    reads = _READS[0] if _READS else _torch_reads()
    if type(tensor) in reads.exact_types:
        return reads.data_ptr(tensor), reads.size(tensor), reads.stride(tensor)
    with reads.no_torch_function():
        return _tensor_signature(reads, tensor)


def storage_extent(storage):
    """(data address, nbytes) of a torch storage held by a region: its data moves when a tensor resizes it."""
    reads = _torch_reads()
    return reads.storage_data_ptr(storage), reads.storage_nbytes(storage)


def _not_trackable(reads, tensor):
    """(key, message) when the tensor's memory cannot be watched as its elements, else None."""
    if not reads.is_cpu(tensor):
        device = str(reads.device(tensor).type)
        return ("torch-device-" + device, "torch tensors on device '%s' are not tracked: buffer tracking watches "
                                         "CPU memory only (their shape and dtype are recorded)" % device)
    layout = reads.layout(tensor)
    if layout is not reads.strided:
        return ("torch-layout-%s" % layout, "torch tensors with layout %s are not tracked: only dense (strided) "
                                            "tensors are (their shape and dtype are recorded)" % layout)
    if reads.is_nested(tensor):
        return ("torch-nested", "nested torch tensors are not tracked (their shape is recorded)")
    if reads.is_quantized(tensor):
        return ("torch-quantized", "quantized torch tensors (%s) are not tracked: their bytes are not their values"
                % reads.dtype(tensor))
    if reads.is_conj(tensor) or reads.is_neg(tensor):
        return ("torch-lazy-view", "torch conjugate and negative views (x.conj(), ...) are not tracked: their "
                                   "memory holds the values before the lazy conjugation or negation")
    return None


def _describe_tensor(reads, tensor, allow_empty=False):
    refused = _not_trackable(reads, tensor)
    if refused is not None:
        return None, refused
    storage = reads.storage(tensor)
    address, nbytes = reads.storage_data_ptr(storage), reads.storage_nbytes(storage)
    shape = tuple(reads.size(tensor))
    itemsize = reads.element_size(tensor)
    strides = tuple(stride * itemsize for stride in reads.stride(tensor))
    data = reads.data_ptr(tensor)
    low, length = strided_extent(data, shape, strides, itemsize)
    if (length == 0 or nbytes == 0) and not allow_empty:
        return None, None  # no element: nothing to watch (as for empty numpy arrays)
    if length and (address == 0 or low < address or low + length > address + nbytes):
        return None, ("torch-storage", "a torch tensor whose storage cannot be read is not tracked (its data "
                                       "lies outside its storage, or it has none)")
    dtype = str(reads.dtype(tensor))
    place = BufferPlace()
    place.root, place.root_kind, place.root_key = storage, ROOT_TORCH, ("torch", reads.storage_cdata(storage))
    place.address, place.nbytes, place.region_itemsize = address, nbytes, itemsize
    place.offset = data - address
    place.shape, place.strides, place.itemsize = shape, strides, itemsize
    code = _TORCH_NUMPY_DTYPES.get(dtype)
    place.dtype = None if code is None else ("|" if itemsize == 1 else _BYTE_ORDER) + code
    place.descr = dtype if dtype in TORCH_ONLY_DTYPES else None
    if place.dtype is None and place.descr is None:
        return None, ("torch-dtype-" + dtype, "torch tensors of dtype %s are not tracked: their elements cannot be "
                                              "decoded" % dtype)
    place.format = None
    place.torch_dtype = dtype
    cls = type(tensor)
    place.type_name = "%s.%s" % (cls.__module__, cls.__qualname__)
    return place, None


def describe_tensor(tensor, allow_empty=False):
    """describe_with_reason() of a torch tensor: its storage is the region (a view shares its base's).
    allow_empty: a place also for a tensor without elements (to record that a tracked one lost them)."""
    try:
        return read_tensor(tensor, lambda reads, tensor: _describe_tensor(reads, tensor, allow_empty))
    except Exception as error:  # e.g. "Cannot access storage of ..." (sparse, wrapper subclasses)
        return None, ("torch-storage", "a torch tensor whose storage cannot be read is not tracked (%s: %s)"
                      % (type(error).__name__, error))
