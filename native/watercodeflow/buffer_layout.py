# Where a buffer's bytes live: resolves numpy arrays (and views), memoryview, bytearray, array.array and mmap
# to the memory region to watch (its root owner) and the object's place inside it (offset, shape, strides).
# Reads only: calls no user code, keeps no reference to what it inspects, never imports numpy.
import array
import ctypes
import mmap

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


def is_buffer_type(cls):
    """True for the types BufferTracker watches (numpy arrays and the builtin writable buffers)."""
    return (_ndarray_class(cls) is not None or issubclass(cls, _BUILTIN_BUFFER_TYPES)
            or issubclass(cls, memoryview))


class BufferPlace:
    """One object's place: the region to watch (root, address, nbytes, itemsize) and the object inside it
    (element 0 at `offset` bytes from the region start, `shape`, byte `strides`, `dtype` as numpy's dtype.str
    or None, `format` as the buffer protocol's struct format or None)."""

    __slots__ = ("root", "root_is_ndarray", "address", "nbytes", "region_itemsize", "offset", "shape", "strides",
                 "itemsize", "dtype", "descr", "format", "type_name")

    def layout(self, region_id):
        """The JSON-able metadata of a `layout` row (docs/buffer-tracking.md)."""
        return {"region": region_id, "type": self.type_name, "dtype": self.dtype, "descr": self.descr,
                "format": self.format, "shape": list(self.shape), "strides": list(self.strides),
                "itemsize": self.itemsize, "regionBytes": self.nbytes}


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
    place.root, place.root_is_ndarray = root, True
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
    cls = type(obj)
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
    place.root, place.root_is_ndarray = root, _ndarray_class(type(root)) is not None
    place.address, place.nbytes, place.region_itemsize = root_address, root_nbytes, root_itemsize
    place.offset = address - root_address
    place.shape, place.strides, place.itemsize = shape, strides, itemsize
    place.format = fmt
    place.dtype = None
    place.descr = None
    place.type_name = cls.__qualname__ if cls.__module__ == "builtins" else "%s.%s" % (cls.__module__,
                                                                                      cls.__qualname__)
    return place
