# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""accel: Python binding of libaccel, the userspace library of uaccel.

The binding loads libaccel.so.1 at import time with cffi in ABI mode
(``ffi.dlopen``): no compiler and no generated C are involved, and the only
interface it relies on is the versioned symbols of libaccel.so.1.  Set
``ACCEL_LIBRARY`` in the environment to load another file (a path, such as
``build/libaccel/libaccel.so.1``); the default is the name
``libaccel.so.1`` that the dynamic loader resolves (``LD_LIBRARY_PATH``).

Listing needs no access to the device nodes; opening a device needs access
to its node ``/dev/uaccel/uaccelN`` (the group ``accel``)::

    import accel

    for dev in accel.get_devices():
        print(dev.name, dev.driver, [f.name for f in dev.facets])

    with accel.open("soft0") as ctx:                  # or accel.open() for the first
        facet = ctx.get_facet([("dma.soft.uaccel", 1, 2), ("softdma", 1, 1)])
        print(facet.name, facet.version)              # the newest name served
        src = bytearray(b"x" * 4096)
        dst = bytearray(4096)
        pd = ctx.alloc_pd()
        smr = pd.reg_mr(src)
        dmr = pd.reg_mr(dst, accel.ACCESS_WRITE)
        cq = ctx.create_cq(16)
        q = pd.create_queue(cq, 16)
        q.post([accel.WorkRequest(accel.WR_COPY, src_mr=smr, dst_mr=dmr,
                                  length=4096, user_data=7)])
        wc = cq.wait_one(timeout_ms=10000)            # a Completion, or None
        assert wc.status == 0 and dst == src

Errors: a call libaccel fails raises ``OSError`` (or its subclass for the
errno, such as ``FileNotFoundError`` for ENOENT) with ``errno`` set to the
errno libaccel gave, and libaccel's message (``accel_error_message()``)
as ``strerror`` where libaccel has one.  Using an object after ``close()``
raises ``ValueError``, as a closed Python file does.

Device memory (a device with DEV_CAP_DM) is shared as dma-bufs::

        dm = ctx.alloc_dm(65536)
        fd = dm.export()                              # a dma-buf fd, the caller's
        mr = pd.reg_dmabuf_mr(fd, 65536, access=accel.ACCESS_WRITE)
        buf = mmap.mmap(fd, 65536)                    # the same memory, for the CPU

Lifetimes: every object has ``close()`` and is a context manager.
Closing a context first destroys what was created on it and is still open
(queues, CQs, MRs, DMs, PDs; facet and dma-buf fds stay the caller's to close), so libaccel
never sees an object of a closed context.  An object that is garbage
collected while open is closed then.  An MR keeps a reference to its
buffer (and the buffer export, so a ``bytearray`` cannot be resized and an
``mmap`` cannot be closed) until it is deregistered.

Sizes are in bytes, timeouts in milliseconds.  Not bound: the
provider-private calls, ``accel_rank_devices()`` and the io_uring helpers
of ``accel/uring.h`` (inline functions, not library symbols).
"""

import collections as _collections
import errno as _errno
import os as _os
import weakref as _weakref

from cffi import FFI as _FFI

__all__ = [
    "Completion", "CQ", "Context", "Device", "DeviceAttr", "DM",
    "Event", "Facet", "FacetDesc", "MR", "PD", "Queue", "Selection",
    "WorkRequest", "get_devices", "library_version", "open", "select",
]

# The public declarations of include/accel/accel.h and accel/version.h
# this binding calls, as the C compiler sees them (cffi's ABI mode lays the
# structures out by these declarations).
_CDEF = """
struct accel_device;
struct accel_context;
struct accel_pd;
struct accel_mr;
struct accel_dm;
struct accel_cq;
struct accel_queue;

struct accel_facet_desc {
    char name[64];
    uint32_t min_version;
    uint32_t max_version;
    uint32_t flags;
};

struct accel_device_attr {
    char name[64];
    char driver[64];
    uint32_t abi_version;
    uint32_t index;
    uint32_t vendor_id;
    uint32_t device_id;
    int32_t numa_node;
    uint32_t num_facets;
    uint64_t dev_caps;
};

enum accel_event_type {
    ACCEL_EVENT_DEVICE_REMOVED = 1,
    ACCEL_EVENT_QUEUE_FLUSHED = 2,
};

struct accel_event {
    enum accel_event_type type;
    uint32_t flags;
    uint32_t queue_id;
    uint64_t completed;
    uint64_t flushed;
};

struct accel_wr {
    uint8_t opcode;
    uint8_t flags;
    uint16_t reserved0;
    uint32_t src_mr;
    uint64_t user_data;
    uint32_t dst_mr;
    uint32_t reserved1;
    uint64_t src_offset;
    uint64_t dst_offset;
    uint64_t length;
    uint64_t value;
    uint64_t reserved2;
};

struct accel_wc {
    uint64_t user_data;
    uint32_t status;
    uint32_t queue_id;
    uint64_t result;
    uint64_t reserved;
};

struct accel_queue_attr {
    uint32_t entries;
    uint32_t flags;
    uint32_t poll_idle_ms;
    uint32_t reserved;
};

struct accel_facet_req {
    const char *name;
    uint32_t min_version;
    uint32_t max_version;
};

struct accel_select_attr {
    uint32_t flags;
    int32_t numa_node;
    uint32_t facet_flags;
    uint32_t reserved;
};

struct accel_selection {
    char device[64];
    int32_t facet_fd;
    int32_t matched;
    uint32_t version;
    uint32_t reserved;
};

const char *accel_version(unsigned int *major, unsigned int *minor,
                          unsigned int *patch);
struct accel_device **accel_get_device_list(int *num_devices);
void accel_free_device_list(struct accel_device **list);
const char *accel_device_name(const struct accel_device *dev);
const char *accel_device_driver(const struct accel_device *dev);
const char *accel_device_node(const struct accel_device *dev);
const char *accel_device_parent(const struct accel_device *dev);
int accel_device_numa_node(const struct accel_device *dev);
unsigned int accel_device_abi_version(const struct accel_device *dev);
int accel_device_num_facets(const struct accel_device *dev);
const struct accel_facet_desc *accel_device_facet(const struct accel_device *dev,
                                                  int i);
struct accel_context *accel_open_device(const struct accel_device *dev);
struct accel_context *accel_open_device_by_name(const char *name);
const char *accel_error_message(void);
int accel_close_device(struct accel_context *ctx);
int accel_context_fd(const struct accel_context *ctx);
const char *accel_context_provider(const struct accel_context *ctx);
int accel_query_device(struct accel_context *ctx,
                       struct accel_device_attr *attr, size_t attr_size);
int accel_get_event(struct accel_context *ctx, struct accel_event *event);
struct accel_pd *accel_alloc_pd(struct accel_context *ctx);
int accel_dealloc_pd(struct accel_pd *pd);
struct accel_mr *accel_reg_mr(struct accel_pd *pd, void *addr, size_t length,
                              unsigned int access);
int accel_dereg_mr(struct accel_mr *mr);
uint32_t accel_mr_id(const struct accel_mr *mr);
struct accel_mr *accel_reg_dmabuf_mr(struct accel_pd *pd, uint64_t offset,
                                     size_t length, int fd, unsigned int access);
struct accel_dm *accel_alloc_dm(struct accel_context *ctx, size_t length);
int accel_free_dm(struct accel_dm *dm);
int accel_export_dm(struct accel_dm *dm, unsigned int flags);
struct accel_cq *accel_create_cq(struct accel_context *ctx,
                                 unsigned int entries, int eventfd);
int accel_destroy_cq(struct accel_cq *cq);
uint32_t accel_cq_id(const struct accel_cq *cq);
int accel_poll_cq(struct accel_cq *cq, struct accel_wc *wc, int max);
int accel_wait_cq(struct accel_cq *cq, int timeout_ms);
struct accel_queue *accel_create_queue(struct accel_pd *pd, struct accel_cq *cq,
                                       unsigned int entries);
struct accel_queue *accel_create_queue_ex(struct accel_pd *pd,
                                          struct accel_cq *cq,
                                          const struct accel_queue_attr *attr,
                                          size_t attr_size);
int accel_destroy_queue(struct accel_queue *q);
uint32_t accel_queue_id(const struct accel_queue *q);
int accel_post(struct accel_queue *q, const struct accel_wr *wr, int n);
int accel_get_facet(struct accel_context *ctx, const struct accel_facet_req *reqs,
                    int nreqs, unsigned int flags, int *matched,
                    uint32_t *version);
struct accel_context *accel_select_device(const struct accel_facet_req *reqs,
                                          int nreqs,
                                          const struct accel_select_attr *attr,
                                          size_t attr_size,
                                          struct accel_selection *sel,
                                          size_t sel_size);
"""

_ffi = _FFI()
_ffi.cdef(_CDEF)
#: The file loaded: ACCEL_LIBRARY, or the name the dynamic loader resolves.
LIBRARY = _os.environ.get("ACCEL_LIBRARY") or "libaccel.so.1"
_lib = _ffi.dlopen(LIBRARY)

# Constants of accel/accel.h.
NAME_MAX = 64                      #: device, driver and facet names, NUL included
NUMA_NONE = -1                     #: numa_node of a device without NUMA affinity
ACCESS_WRITE = 1 << 0              #: MR access: the device may write the region
FACET_CLOEXEC = 1 << 0             #: the facet fd gets close-on-exec
EVENT_DEVICE_REMOVED = 1           #: Event.type: the device is gone
EVENT_QUEUE_FLUSHED = 2            #: Event.type: what happened to a queue's work
EVENT_FATAL = 1 << 0               #: DEVICE_REMOVED flag: a fatal device error
WR_NOP = 0                         #: nothing; completes
WR_COPY = 1                        #: dst = src
WR_FILL = 2                        #: dst = value's low byte repeated
WR_COMPARE = 3                     #: result 0 if equal, else 1 + offset
WR_CRC32C = 4                      #: result = CRC-32C of src, chained from value
DEV_CAP_QUEUE_POLL = 1 << 0        #: DeviceAttr.dev_caps: polled queues
DEV_CAP_DM = 1 << 1                #: DeviceAttr.dev_caps: device memory (alloc_dm())
DMABUF_CLOEXEC = 1 << 0            #: the dma-buf fd of DM.export() gets close-on-exec
QUEUE_POLL = 1 << 0                #: a polled queue (Queue creation flag)
QUEUE_POLL_IDLE_MAX_MS = 10000     #: the largest poll_idle_ms
SELECT_PREFER_SOFTWARE = 1 << 0    #: select(): software devices first
SELECT_ANY_KIND = 1 << 1           #: select(): hardware or software alike
SELECT_NUMA_NODE = 1 << 2          #: select(): near numa_node, not the CPU


def _string(cdata):
    return _ffi.string(cdata).decode("utf-8", "replace") if cdata != _ffi.NULL else None


def _raise(err, what, message=None):
    """Raise OSError(err) for a positive errno ``err``."""
    text = _os.strerror(err)
    if message:
        text = "%s: %s" % (message, text)
    raise OSError(err, "%s: %s" % (what, text))


def _check(ret, what):
    """An int-returning call: negative errno raises, else the value."""
    if ret < 0:
        _raise(-ret, what)
    return ret


def _check_ptr(ptr, what, with_message=False):
    """A pointer-returning call: NULL raises with the errno it set."""
    if ptr == _ffi.NULL:
        err = _ffi.errno or _errno.EIO
        message = _string(_lib.accel_error_message()) if with_message else None
        _raise(err, what, message)
    return ptr


def library_version():
    """The version of the loaded libaccel as ``(major, minor, patch, text)``."""
    nums = _ffi.new("unsigned int[3]")
    text = _lib.accel_version(nums, nums + 1, nums + 2)
    return (nums[0], nums[1], nums[2], _string(text))


FacetDesc = _collections.namedtuple(
    "FacetDesc", "name min_version max_version flags")
FacetDesc.__doc__ = """A facet a device serves, as sysfs lists it.

``name`` (str, such as "dma.soft.uaccel"), ``min_version`` and
``max_version`` (int, the oldest and newest version served), ``flags``
(int, the facet flags of sysfs)."""

DeviceAttr = _collections.namedtuple(
    "DeviceAttr",
    "name driver abi_version index vendor_id device_id numa_node num_facets dev_caps")
DeviceAttr.__doc__ = """What the kernel reports of an open device (Context.query()).

``name``, ``driver`` (str); ``abi_version`` (the uaccel kernel ABI),
``index`` (the N of /dev/uaccel/uaccelN), ``vendor_id``, ``device_id``
(0 for software devices), ``numa_node`` (NUMA_NONE without affinity),
``num_facets``, ``dev_caps`` (DEV_CAP_* bits): int."""

Event = _collections.namedtuple("Event", "type flags queue_id completed flushed")
Event.__doc__ = """An asynchronous event of a context (Context.get_event()).

``type``: EVENT_DEVICE_REMOVED (the last one; ``flags`` EVENT_FATAL for a
fatal device error) or EVENT_QUEUE_FLUSHED (``queue_id`` the queue,
``completed`` the completions the device wrote for it over its life,
``flushed`` the requests it never started)."""

Completion = _collections.namedtuple("Completion", "user_data status queue_id result")
Completion.__doc__ = """One completion (CQ.poll()).

``user_data`` of the request; ``status`` 0 or a positive errno (EFAULT a
range outside an MR, EACCES an MR not writable, ENOENT no such MR in the
queue's PD, EINVAL a bad request, EIO a device error, ECANCELED flushed);
``queue_id``; ``result`` of WR_COMPARE and WR_CRC32C."""

Selection = _collections.namedtuple("Selection", "device facet")
Selection.__doc__ = """What select() opened: ``device`` (its name, str) and
``facet`` (the Facet opened on it)."""


class Device:
    """A device as discovery listed it (get_devices()): a snapshot.

    Attributes: ``name``, ``driver``, ``node`` (such as
    "/dev/uaccel/uaccel0"), ``parent`` (the bus location below
    /sys/devices, "" if none): str; ``numa_node`` (NUMA_NONE without
    affinity), ``abi_version``: int; ``facets``: a list of FacetDesc.
    """

    def __init__(self, raw):
        self.name = _string(_lib.accel_device_name(raw))
        self.driver = _string(_lib.accel_device_driver(raw))
        self.node = _string(_lib.accel_device_node(raw))
        self.parent = _string(_lib.accel_device_parent(raw))
        self.numa_node = _lib.accel_device_numa_node(raw)
        self.abi_version = _lib.accel_device_abi_version(raw)
        self.facets = []
        for i in range(_lib.accel_device_num_facets(raw)):
            f = _lib.accel_device_facet(raw, i)
            if f != _ffi.NULL:
                self.facets.append(FacetDesc(_string(f.name), f.min_version,
                                             f.max_version, f.flags))

    def open(self):
        """Open this device by its name: a new Context (see open())."""
        return open(self.name)

    def __repr__(self):
        return "<accel.Device %s driver=%s node=%s>" % (self.name, self.driver, self.node)


def get_devices():
    """List the accelerators of the system: a list of Device.

    Reads sysfs only (any user may list).  No module loaded gives an empty
    list.  Raises OSError when the list cannot be read (ENOMEM, the class
    directory unreadable).
    """
    num = _ffi.new("int *")
    raw = _check_ptr(_lib.accel_get_device_list(num), "listing the devices")
    try:
        return [Device(raw[i]) for i in range(num[0])]
    finally:
        _lib.accel_free_device_list(raw)


def open(name=None):  # pylint: disable=redefined-builtin
    """Open a device: a new Context.

    ``name`` (str) names the device; None opens the first device listed.
    Raises OSError: ENODEV when no device has that name (or none is
    listed), EACCES without access to the node, EPERM when a device cgroup
    denies it, EBUSY when the device is exclusive and in use; strerror
    carries libaccel's message.
    """
    if name is not None:
        raw = _lib.accel_open_device_by_name(name.encode())
        return Context(_check_ptr(raw, "opening %s" % name, True))
    num = _ffi.new("int *")
    lst = _check_ptr(_lib.accel_get_device_list(num), "listing the devices")
    try:
        if num[0] == 0:
            _raise(_errno.ENODEV, "opening the first device", "no device is listed")
        return Context(_check_ptr(_lib.accel_open_device(lst[0]),
                                  "opening the first device", True))
    finally:
        _lib.accel_free_device_list(lst)


def _facet_reqs(requests):
    """[(name, min_version, max_version), ...] as accel_facet_req[] (+ keep-alive)."""
    requests = list(requests)
    if not requests:
        raise ValueError("no facet requested")
    reqs = _ffi.new("struct accel_facet_req[]", len(requests))
    names = []
    for i, (fname, vmin, vmax) in enumerate(requests):
        names.append(_ffi.new("char[]", fname.encode()))
        reqs[i].name = names[-1]
        reqs[i].min_version = vmin
        reqs[i].max_version = vmax
    return requests, reqs, names


def select(requests, flags=0, numa_node=None, cloexec=True):
    """Open the best device serving one of the facets requested.

    ``requests``: (name, min_version, max_version) tuples, preferred first
    (the order picks the facet on a device, not the device).  ``flags``:
    SELECT_* bits; ``numa_node`` (int) sets SELECT_NUMA_NODE and the node
    whose memory the caller uses.  libaccel ranks the devices (hardware
    first, then the nearest NUMA node, then the least loaded; ACCEL_DEVICES
    in the environment restricts the choice) and opens the first one it can.

    Returns (Context, Selection).  Raises OSError: ENODEV when no device
    can be selected, the error of the best device when none could be
    opened (EBUSY, EACCES, EPERM, ...), EINVAL for a malformed request.
    """
    requests, reqs, _names = _facet_reqs(requests)
    attr = _ffi.new("struct accel_select_attr *")
    attr.flags = flags
    attr.facet_flags = FACET_CLOEXEC if cloexec else 0
    if numa_node is not None:
        attr.flags |= SELECT_NUMA_NODE
        attr.numa_node = numa_node
    sel = _ffi.new("struct accel_selection *")
    raw = _lib.accel_select_device(reqs, len(requests), attr,
                                   _ffi.sizeof("struct accel_select_attr"),
                                   sel, _ffi.sizeof("struct accel_selection"))
    ctx = Context(_check_ptr(raw, "selecting a device", True))
    name, vmin, vmax = requests[sel.matched]
    facet = Facet(sel.facet_fd, name, sel.matched, sel.version, (vmin, vmax))
    return ctx, Selection(_string(sel.device), facet)


class _Closing:
    """close() as a context manager and at garbage collection."""

    def close(self):
        """Release what the object holds.  Idempotent."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # pylint: disable=broad-except
            pass


class _Object(_Closing):
    """What every object shares: close(), the context manager, closed."""

    _raw = None
    _what = "object"

    @property
    def closed(self):
        """True once close() (or the context's close()) released it."""
        return self._raw is None

    def _live(self):
        if self._raw is None:
            raise ValueError("operation on a closed %s" % self._what)
        return self._raw


class Context(_Object):
    """An open device: one kernel context (open(), select(), Device.open()).

    Attributes: ``fd`` (the device node's fd, owned by the context: poll it
    for POLLIN to wait for events), ``provider`` (the driver name of the
    provider plugin in use, None for the generic path).
    """

    _what = "context"

    def __init__(self, raw):
        self._raw = raw
        # Weak references to the PDs, MRs, CQs and queues, in creation
        # order: one dropped unclosed is destroyed by the garbage collector.
        self._children = []

    @property
    def fd(self):
        """The file descriptor of the device node (int), owned by the context."""
        return _lib.accel_context_fd(self._live())

    @property
    def provider(self):
        """The loaded provider's driver name (str), or None for the generic path."""
        return _string(_lib.accel_context_provider(self._live()))

    def _adopt(self, obj):
        self._children = [r for r in self._children if r() is not None and not r().closed]
        self._children.append(_weakref.ref(obj))
        return obj

    def query(self):
        """Ask the kernel about the device: a DeviceAttr.

        Raises OSError (ENODEV when the device was removed).
        """
        attr = _ffi.new("struct accel_device_attr *")
        _check(_lib.accel_query_device(self._live(), attr,
                                       _ffi.sizeof("struct accel_device_attr")),
               "querying the device")
        return DeviceAttr(_string(attr.name), _string(attr.driver), attr.abi_version,
                          attr.index, attr.vendor_id, attr.device_id, attr.numa_node,
                          attr.num_facets, attr.dev_caps)

    def get_facet(self, requests, cloexec=True):
        """Open the first facet of ``requests`` that the device serves: a Facet.

        ``requests``: (name, min_version, max_version) tuples, preferred
        (newest name) first; a name the device does not know (ENOENT) or
        serves in no acceptable version (EPROTONOSUPPORT) moves on to the
        next.  Raises OSError: ENOENT when the device serves none of the
        names, else the error of the last name it knew (EPROTONOSUPPORT,
        EPERM, ...).
        """
        requests, reqs, _names = _facet_reqs(requests)
        matched = _ffi.new("int *")
        version = _ffi.new("uint32_t *")
        fd = _lib.accel_get_facet(self._live(), reqs, len(requests),
                                  FACET_CLOEXEC if cloexec else 0, matched, version)
        if fd < 0:
            _raise(-fd, "opening a facet of %s" % ", ".join(r[0] for r in requests),
                   _string(_lib.accel_error_message()))
        name, vmin, vmax = requests[matched[0]]
        return Facet(fd, name, matched[0], version[0], (vmin, vmax))

    def alloc_pd(self):
        """Allocate a protection domain: a PD.  Raises OSError."""
        raw = _check_ptr(_lib.accel_alloc_pd(self._live()), "allocating a PD")
        return self._adopt(PD(self, raw))

    def alloc_dm(self, length):
        """Allocate device memory: a DM, to export as a dma-buf.

        ``length``: bytes, at least 1 (rounded up to pages), at most the
        device's sysfs ``dm_max_bytes``.  Zero-filled; charged to
        RLIMIT_MEMLOCK.  Raises OSError: EOPNOTSUPP when the device has no
        memory (no DEV_CAP_DM), EINVAL for a length out of range, ENOMEM
        over RLIMIT_MEMLOCK, ENOTTY for a kernel without device memory.
        """
        raw = _check_ptr(_lib.accel_alloc_dm(self._live(), length),
                         "allocating %d bytes of device memory" % length)
        return self._adopt(DM(self, raw, length))

    def create_cq(self, entries, eventfd=-1):
        """Create a completion queue: a CQ.

        ``entries``: at least this many (1 to 65536); ``eventfd``: an
        eventfd (int) signalled after completions, or -1.  Raises OSError
        (EINVAL for entries out of range).
        """
        raw = _check_ptr(_lib.accel_create_cq(self._live(), entries, eventfd),
                         "creating a CQ of %d entries" % entries)
        return self._adopt(CQ(self, raw))

    def get_event(self, block=True):
        """Take the next asynchronous event: an Event, or None.

        ``block``: wait for an event (True), or return None at once when
        none is queued (False; the context's fd is made O_NONBLOCK for the
        call).  After the last event of a removed device
        (EVENT_DEVICE_REMOVED) raises OSError ENODEV; also EINTR.
        """
        raw = self._live()
        ev = _ffi.new("struct accel_event *")
        fd = _lib.accel_context_fd(raw)
        old = None
        if not block:
            old = _os.get_blocking(fd)
            _os.set_blocking(fd, False)
        try:
            ret = _lib.accel_get_event(raw, ev)
        finally:
            if old is not None:
                _os.set_blocking(fd, old)
        if ret == -_errno.EAGAIN and not block:
            return None
        _check(ret, "taking an event")
        return Event(int(ev.type), ev.flags, ev.queue_id, ev.completed, ev.flushed)

    def close(self):
        """Destroy what is still open on the context, then close it.

        Queues, CQs, MRs, DMs and PDs are destroyed newest first; facet
        and dma-buf fds stay open (they are files of their own).  Idempotent.  Raises
        OSError when closing the node failed (the context is closed all
        the same).
        """
        raw = self._raw
        if raw is None:
            return
        for ref in reversed(self._children):
            child = ref()
            if child is None:
                continue
            try:
                child.close()
            except OSError:
                child._drop()  # pylint: disable=protected-access
        self._children = []
        self._raw = None
        _check(_lib.accel_close_device(raw), "closing the device")

    def __repr__(self):
        return "<accel.Context %s>" % ("closed" if self.closed else "fd=%d" % self.fd)


class Facet(_Closing):
    """An open facet: a file of its own, on which the driver's commands run.

    Attributes: ``fd`` (int; -1 once closed), ``name`` (the name that was
    opened, str), ``matched`` (its index in the requests), ``version``
    (the negotiated version, int), ``requested`` ((min, max) asked for).
    Closing the context leaves the facet open: close() it, or use it as a
    context manager.
    """

    def __init__(self, fd, name, matched, version, requested):
        self.fd = fd
        self.name = name
        self.matched = matched
        self.version = version
        self.requested = requested

    @property
    def closed(self):
        """True once closed."""
        return self.fd < 0

    def ioctl(self, nr, arg):
        """Run facet command ``nr`` (the request is _IO(0xD5, nr)).

        ``arg``: a writable buffer (bytearray) holding the command's
        structure, which the driver may update.  Returns the ioctl's
        result (int).  Raises OSError with the driver's errno.
        """
        import fcntl  # pylint: disable=import-outside-toplevel
        if self.fd < 0:
            raise ValueError("operation on a closed facet")
        return fcntl.ioctl(self.fd, (0xD5 << 8) | nr, arg, True)

    def close(self):
        """Close the facet fd.  Idempotent."""
        fd, self.fd = self.fd, -1
        if fd >= 0:
            _os.close(fd)

    def __repr__(self):
        return "<accel.Facet %s v%d fd=%d>" % (self.name, self.version, self.fd)


class _Child(_Object):
    """An object of a context, destroyed by close() or by the context's close()."""

    def __init__(self, ctx, raw):
        self.context = ctx
        self._raw = raw

    def _destroy(self, raw):
        raise NotImplementedError

    def _drop(self):
        self._raw = None

    def close(self):
        """Destroy the object.  Idempotent.

        Raises OSError EBUSY while other objects use it (it then stays
        valid); after the device is gone it succeeds.
        """
        if self._raw is None:
            return
        _check(self._destroy(self._raw), "destroying the %s" % self._what)
        self._drop()


class PD(_Child):
    """A protection domain (Context.alloc_pd()): groups MRs and queues."""

    _what = "PD"

    def _destroy(self, raw):
        return _lib.accel_dealloc_pd(raw)

    def reg_mr(self, buf, access=0):
        """Register a buffer with the device: an MR.

        ``buf``: any object with the buffer protocol that is contiguous,
        such as a bytearray, a memoryview or an mmap, at least 1 byte;
        ``access``: ACCESS_WRITE when the device may write it.  The memory
        is pinned and charged to RLIMIT_MEMLOCK; the MR keeps the buffer
        (and its export) until it is deregistered.  Raises OSError: EFAULT
        for a read-only buffer with ACCESS_WRITE (a bytes object is
        refused here, read-only mappings by the kernel) or unmapped memory,
        ENOMEM over RLIMIT_MEMLOCK, EINVAL for an empty buffer.
        """
        raw_pd = self._live()
        view = memoryview(buf)
        readonly = view.readonly
        view.release()
        if readonly and access & ACCESS_WRITE:
            _raise(_errno.EFAULT, "registering a buffer",
                   "a read-only buffer cannot be registered with ACCESS_WRITE")
        cbuf = _ffi.from_buffer(buf, require_writable=False)
        try:
            raw = _check_ptr(_lib.accel_reg_mr(raw_pd, cbuf, len(cbuf), access),
                             "registering %d bytes" % len(cbuf))
        except BaseException:
            _ffi.release(cbuf)
            raise
        return self.context._adopt(MR(self, raw, buf, cbuf))  # pylint: disable=protected-access

    def reg_dmabuf_mr(self, fd, length, offset=0, access=0):
        """Register a range of a dma-buf with the device: an MR.

        ``fd``: the dma-buf (int, such as DM.export()'s, of any device, or
        another exporter's); ``length``: bytes, at least 1; ``offset``: where
        the range starts in the dma-buf (bytes, any alignment); ``access``:
        ACCESS_WRITE when the device may write it.  The MR holds its own
        reference to the dma-buf: ``fd`` may be closed at once.  Nothing is
        charged to RLIMIT_MEMLOCK.  Raises OSError: EBADF for a closed fd,
        EINVAL when it is not a dma-buf or the range does not fit in it,
        EACCES for ACCESS_WRITE on a dma-buf not open for writing,
        EOPNOTSUPP when the device cannot reach the exporter's memory,
        ENOTTY for a kernel without dma-buf MRs.
        """
        raw = _check_ptr(_lib.accel_reg_dmabuf_mr(self._live(), offset, length, fd, access),
                         "registering %d bytes of a dma-buf" % length)
        return self.context._adopt(MR(self, raw, None, None, length))  # pylint: disable=protected-access

    def create_queue(self, cq, entries, flags=0, poll_idle_ms=0):
        """Create a submission queue: a Queue.

        ``cq``: the CQ of its completions; ``entries``: at least this many
        ring entries (1 to 65536); ``flags``: QUEUE_POLL for a queue a
        kernel thread polls (``poll_idle_ms``: how long it keeps polling
        after the last request, 1 to QUEUE_POLL_IDLE_MAX_MS, 0 for the
        driver's default).  Raises OSError: EINVAL for bad entries, flags
        or poll_idle_ms; EOPNOTSUPP when the device has no polled queues
        (DEV_CAP_QUEUE_POLL).
        """
        raw_pd = self._live()
        raw_cq = cq._live()  # pylint: disable=protected-access
        if flags or poll_idle_ms:
            attr = _ffi.new("struct accel_queue_attr *",
                            {"entries": entries, "flags": flags,
                             "poll_idle_ms": poll_idle_ms})
            raw = _lib.accel_create_queue_ex(raw_pd, raw_cq, attr,
                                             _ffi.sizeof("struct accel_queue_attr"))
        else:
            raw = _lib.accel_create_queue(raw_pd, raw_cq, entries)
        raw = _check_ptr(raw, "creating a queue of %d entries" % entries)
        return self.context._adopt(Queue(self, cq, raw))  # pylint: disable=protected-access


class MR(_Child):
    """A memory region (PD.reg_mr(), PD.reg_dmabuf_mr()).

    Attributes: ``id`` (the id work requests and facet commands name it
    by), ``buffer`` (the object registered; None for a dma-buf),
    ``length`` (bytes).
    """

    _what = "MR"

    def __init__(self, pd, raw, buf, cbuf, length=None):
        super().__init__(pd.context, raw)
        self.pd = pd
        self.buffer = buf
        self._cbuf = cbuf
        self.length = len(cbuf) if cbuf is not None else length
        self.id = _lib.accel_mr_id(raw)

    def _destroy(self, raw):
        return _lib.accel_dereg_mr(raw)

    def _drop(self):
        super()._drop()
        if self._cbuf is not None:
            _ffi.release(self._cbuf)
            self._cbuf = None
        self.buffer = None


class DM(_Child):
    """Device memory (Context.alloc_dm()).  Attribute ``length`` (bytes asked for).

    close() frees the DM; dma-bufs exported from it, MRs registered on
    them and their mappings keep the memory until they let go.
    """

    _what = "DM"

    def __init__(self, ctx, raw, length):
        super().__init__(ctx, raw)
        self.length = length

    def _destroy(self, raw):
        return _lib.accel_free_dm(raw)

    def export(self, cloexec=True):
        """Export the memory as a dma-buf: a new fd (int), the caller's to close.

        Every export is an fd of the same dma-buf, open for reading and
        writing: mmap it (MAP_SHARED), register it with
        PD.reg_dmabuf_mr() on any device, or pass it on.  Raises OSError:
        EMFILE, ENODEV.
        """
        return _check(_lib.accel_export_dm(self._live(), DMABUF_CLOEXEC if cloexec else 0),
                      "exporting device memory")


class CQ(_Child):
    """A completion queue (Context.create_cq()).  Attribute ``id`` (int)."""

    _what = "CQ"

    def __init__(self, ctx, raw):
        super().__init__(ctx, raw)
        self.id = _lib.accel_cq_id(raw)
        self._wc = _ffi.new("struct accel_wc[]", 64)
        self._wc_max = 64

    def _destroy(self, raw):
        return _lib.accel_destroy_cq(raw)

    def poll(self, max_entries=16):
        """Take at most ``max_entries`` completions: a list of Completion.

        Empty when none is there.  With a provider this reads the mapped
        ring and makes no system call.  Raises OSError (ENODEV after the
        device is gone).
        """
        raw = self._live()
        if max_entries > self._wc_max:
            self._wc = _ffi.new("struct accel_wc[]", max_entries)
            self._wc_max = max_entries
        n = _check(_lib.accel_poll_cq(raw, self._wc, max_entries), "polling the CQ")
        return [Completion(w.user_data, w.status, w.queue_id, w.result)
                for w in (self._wc[i] for i in range(n))]

    def wait(self, timeout_ms=0):
        """Sleep until the CQ holds a completion: True, or False on timeout.

        ``timeout_ms``: the limit in milliseconds, 0 for none.  Raises
        OSError: EINTR, ENODEV when the device was removed.
        """
        ret = _lib.accel_wait_cq(self._live(), timeout_ms)
        if ret == -_errno.ETIMEDOUT:
            return False
        _check(ret, "waiting on the CQ")
        return True

    def wait_one(self, timeout_ms=10000):
        """Poll, and wait between polls, for one completion.

        Returns the Completion, or None when none came within
        ``timeout_ms`` milliseconds (0: no limit).  Raises OSError as
        wait() does, except EINTR, after which it waits on.
        """
        import time  # pylint: disable=import-outside-toplevel
        end = time.monotonic() + timeout_ms / 1000.0
        while True:
            wcs = self.poll(1)
            if wcs:
                return wcs[0]
            left = end - time.monotonic()
            if timeout_ms and left <= 0:
                return None
            step = 1000 if not timeout_ms else max(1, min(1000, int(left * 1000)))
            try:
                self.wait(step)
            except InterruptedError:
                pass


class WorkRequest:
    """One work request for Queue.post().

    ``opcode``: WR_NOP, WR_COPY, WR_FILL, WR_COMPARE or WR_CRC32C;
    ``src_mr``, ``dst_mr``: an MR or its id (int); ``src_offset``,
    ``dst_offset``: byte offsets in them; ``length``: bytes; ``value``:
    the WR_FILL byte or the WR_CRC32C seed (0 for the standard CRC-32C);
    ``user_data``: returned in the completion (64 bits).
    """

    __slots__ = ("opcode", "src_mr", "dst_mr", "src_offset", "dst_offset",
                 "length", "value", "user_data")

    def __init__(self, opcode, src_mr=0, dst_mr=0, src_offset=0, dst_offset=0,
                 length=0, value=0, user_data=0):
        self.opcode = opcode
        self.src_mr = src_mr
        self.dst_mr = dst_mr
        self.src_offset = src_offset
        self.dst_offset = dst_offset
        self.length = length
        self.value = value
        self.user_data = user_data

    def _fill(self, wr):
        wr.opcode = self.opcode
        wr.src_mr = self.src_mr.id if isinstance(self.src_mr, MR) else self.src_mr
        wr.dst_mr = self.dst_mr.id if isinstance(self.dst_mr, MR) else self.dst_mr
        wr.src_offset = self.src_offset
        wr.dst_offset = self.dst_offset
        wr.length = self.length
        wr.value = self.value
        wr.user_data = self.user_data


class Queue(_Child):
    """A submission queue (PD.create_queue()).

    Attributes: ``id`` (as in completions), ``pd``, ``cq``.
    """

    _what = "queue"

    def __init__(self, pd, cq, raw):
        super().__init__(pd.context, raw)
        self.pd = pd
        self.cq = cq
        self.id = _lib.accel_queue_id(raw)

    def _destroy(self, raw):
        return _lib.accel_destroy_queue(raw)

    def post(self, requests):
        """Submit WorkRequests (one, or a sequence of 1 to 4096) in one batch.

        Returns the number queued: fewer than asked when the ring filled
        up.  At most one system call for the batch.  Raises OSError:
        EAGAIN when the ring had no room, EINVAL for a batch out of range,
        ENODEV after the device is gone.
        """
        if isinstance(requests, WorkRequest):
            requests = [requests]
        requests = list(requests)
        raw = self._live()
        wrs = _ffi.new("struct accel_wr[]", max(1, len(requests)))
        for i, req in enumerate(requests):
            req._fill(wrs[i])  # pylint: disable=protected-access
        return _check(_lib.accel_post(raw, wrs, len(requests)), "posting to the queue")
