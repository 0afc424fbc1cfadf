#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""In-VM tests of the Python binding (python/accel) and its demo.

Run by tests/vm/suite.sh as "python" with uaccel_core and uaccel_soft
(num_devices=3) loaded, PYTHONPATH on the source tree's python/ and
LD_LIBRARY_PATH on the build's libaccel.  Plain unittest; prints TAP
("ok N - name", "not ok N - name", then "1..N") for the suite.

usage: test_accel.py [TEST_NAME_SUBSTRING...]
"""

import errno
import mmap
import os
import re
import subprocess
import sys
import unittest

import accel

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
DEMO = os.path.join(TOP, "python", "examples", "demo.py")
SOFT_FACETS = [
    accel.FacetDesc("dma.soft.uaccel", 1, 2, 0),
    accel.FacetDesc("softdma", 1, 1, 0),
    accel.FacetDesc("debug.soft.uaccel", 1, 1, 3),
    accel.FacetDesc("factorial.uaccel", 1, 1, 0),
    accel.FacetDesc("cipher.uaccel", 1, 1, 0),
]
PAGE = mmap.PAGESIZE


def header_version():
    """ACCEL_VERSION_MAJOR, _MINOR, _PATCH and ACCEL_VERSION of the headers."""
    with open(os.path.join(TOP, "include", "accel", "version.h")) as f:
        text = f.read()
    nums = tuple(int(re.search(r"#define ACCEL_VERSION_%s\s+(\d+)" % p, text).group(1))
                 for p in ("MAJOR", "MINOR", "PATCH"))
    return nums + (re.search(r'#define ACCEL_VERSION\s+"([^"]*)"', text).group(1),)


class Discovery(unittest.TestCase):
    def test_library_version_is_the_headers(self):
        self.assertEqual(accel.library_version(), header_version())

    def test_lists_the_three_soft_devices(self):
        devs = accel.get_devices()
        self.assertEqual(sorted(d.name for d in devs), ["soft0", "soft1", "soft2"])
        for d in devs:
            self.assertEqual(d.driver, "soft")
            self.assertRegex(d.node, r"^/dev/uaccel/uaccel[0-9]+$")
            self.assertTrue(os.path.exists(d.node))
            self.assertRegex(d.parent, r"^platform/uaccel_soft\.[0-9]+(\.auto)?$")
            self.assertEqual(d.numa_node, accel.NUMA_NONE)
            self.assertEqual(d.facets, SOFT_FACETS)

    def test_open_by_unknown_name_is_enodev(self):
        with self.assertRaises(OSError) as cm:
            accel.open("nosuch")
        self.assertEqual(cm.exception.errno, errno.ENODEV)
        self.assertIn("nosuch", cm.exception.strerror)

    def test_open_first_device_is_the_first_listed(self):
        first = accel.get_devices()[0]
        with accel.open() as ctx:
            self.assertEqual(ctx.query().name, first.name)

    def test_device_open_and_query(self):
        dev = [d for d in accel.get_devices() if d.name == "soft1"][0]
        with dev.open() as ctx:
            attr = ctx.query()
            self.assertEqual(attr.name, "soft1")
            self.assertEqual(attr.driver, "soft")
            self.assertEqual(attr.abi_version, dev.abi_version)
            self.assertEqual(attr.index, int(dev.node[len("/dev/uaccel/uaccel"):]))
            self.assertEqual((attr.vendor_id, attr.device_id), (0, 0))
            self.assertEqual(attr.numa_node, accel.NUMA_NONE)
            self.assertEqual(attr.num_facets, 5)
            self.assertEqual(attr.dev_caps & accel.DEV_CAP_QUEUE_POLL, accel.DEV_CAP_QUEUE_POLL)
            self.assertGreaterEqual(ctx.fd, 0)

    def test_select_opens_a_soft_device_with_the_facet(self):
        ctx, sel = accel.select([("dma-v3.soft.uaccel", 1, 1), ("dma.soft.uaccel", 1, 2)])
        with ctx, sel.facet:
            self.assertIn(sel.device, ("soft0", "soft1", "soft2"))
            self.assertEqual(ctx.query().name, sel.device)
            self.assertEqual((sel.facet.name, sel.facet.matched, sel.facet.version),
                             ("dma.soft.uaccel", 1, 2))

    def test_select_of_an_unserved_facet_is_enodev(self):
        with self.assertRaises(OSError) as cm:
            accel.select([("nosuch.uaccel", 1, 1)])
        self.assertEqual(cm.exception.errno, errno.ENODEV)


class Facets(unittest.TestCase):
    def setUp(self):
        self.ctx = accel.open("soft0")

    def tearDown(self):
        self.ctx.close()

    def test_newest_name_served(self):
        with self.ctx.get_facet([("dma.soft.uaccel", 1, 2), ("softdma", 1, 1)]) as f:
            self.assertEqual((f.name, f.matched, f.version), ("dma.soft.uaccel", 0, 2))
            self.assertGreaterEqual(f.fd, 0)
        self.assertTrue(f.closed)

    def test_fallback_to_the_older_name(self):
        reqs = [("dma-v3.soft.uaccel", 1, 1), ("dma.soft.uaccel", 3, 4), ("softdma", 1, 1)]
        with self.ctx.get_facet(reqs) as f:
            self.assertEqual((f.name, f.matched, f.version), ("softdma", 2, 1))

    def test_version_range_picks_the_highest_in_common(self):
        with self.ctx.get_facet([("dma.soft.uaccel", 1, 1)]) as f:
            self.assertEqual(f.version, 1)

    def test_no_name_served_is_enoent(self):
        with self.assertRaises(OSError) as cm:
            self.ctx.get_facet([("nosuch.uaccel", 1, 1), ("other.uaccel", 1, 9)])
        self.assertEqual(cm.exception.errno, errno.ENOENT)

    def test_no_version_served_is_eprotonosupport(self):
        with self.assertRaises(OSError) as cm:
            self.ctx.get_facet([("nosuch.uaccel", 1, 1), ("dma.soft.uaccel", 3, 4)])
        self.assertEqual(cm.exception.errno, errno.EPROTONOSUPPORT)

    def test_empty_request_list_is_refused(self):
        with self.assertRaises(ValueError):
            self.ctx.get_facet([])


class Objects(unittest.TestCase):
    def setUp(self):
        self.ctx = accel.open("soft0")
        self.pd = self.ctx.alloc_pd()

    def tearDown(self):
        self.ctx.close()

    def test_bytes_with_write_access_is_efault(self):
        with self.assertRaises(OSError) as cm:
            self.pd.reg_mr(b"\0" * PAGE, accel.ACCESS_WRITE)
        self.assertEqual(cm.exception.errno, errno.EFAULT)

    def test_read_only_mapping_with_write_access_is_efault(self):
        with mmap.mmap(-1, PAGE, prot=mmap.PROT_READ) as m:
            with self.assertRaises(OSError) as cm:
                self.pd.reg_mr(m, accel.ACCESS_WRITE)
            self.assertEqual(cm.exception.errno, errno.EFAULT)
            with self.pd.reg_mr(m) as mr:
                self.assertEqual(mr.length, PAGE)

    def test_read_only_memoryview_without_write_access(self):
        data = bytes(range(256)) * 16
        with self.pd.reg_mr(memoryview(data)) as mr:
            self.assertEqual(mr.length, 4096)
            self.assertGreater(mr.id, 0)

    def test_empty_buffer_is_einval(self):
        with self.assertRaises(OSError) as cm:
            self.pd.reg_mr(bytearray())
        self.assertEqual(cm.exception.errno, errno.EINVAL)

    def test_unknown_access_bit_is_einval(self):
        with self.assertRaises(OSError) as cm:
            self.pd.reg_mr(bytearray(PAGE), 1 << 1)
        self.assertEqual(cm.exception.errno, errno.EINVAL)

    def test_registered_bytearray_cannot_be_resized(self):
        buf = bytearray(PAGE)
        mr = self.pd.reg_mr(buf, accel.ACCESS_WRITE)
        self.assertIs(mr.buffer, buf)
        with self.assertRaises(BufferError):
            buf.extend(b"x")
        mr.close()
        self.assertIsNone(mr.buffer)
        buf.extend(b"x")
        self.assertEqual(len(buf), PAGE + 1)

    def test_registered_mmap_cannot_be_closed(self):
        m = mmap.mmap(-1, 2 * PAGE)
        mr = self.pd.reg_mr(m, accel.ACCESS_WRITE)
        with self.assertRaises(BufferError):
            m.close()
        mr.close()
        m.close()

    def test_pd_in_use_is_ebusy_and_stays_valid(self):
        mr = self.pd.reg_mr(bytearray(PAGE))
        with self.assertRaises(OSError) as cm:
            self.pd.close()
        self.assertEqual(cm.exception.errno, errno.EBUSY)
        self.assertFalse(self.pd.closed)
        with self.pd.reg_mr(bytearray(PAGE)):
            pass
        mr.close()
        self.pd.close()
        self.assertTrue(self.pd.closed)

    def test_cq_of_zero_entries_is_einval(self):
        with self.assertRaises(OSError) as cm:
            self.ctx.create_cq(0)
        self.assertEqual(cm.exception.errno, errno.EINVAL)

    def test_cq_with_queues_is_ebusy(self):
        cq = self.ctx.create_cq(4)
        q = self.pd.create_queue(cq, 4)
        with self.assertRaises(OSError) as cm:
            cq.close()
        self.assertEqual(cm.exception.errno, errno.EBUSY)
        q.close()
        cq.close()

    def test_polled_queue_bad_idle_is_einval(self):
        with self.ctx.create_cq(4) as cq:
            with self.assertRaises(OSError) as cm:
                self.pd.create_queue(cq, 4, accel.QUEUE_POLL, accel.QUEUE_POLL_IDLE_MAX_MS + 1)
            self.assertEqual(cm.exception.errno, errno.EINVAL)

    def test_closing_the_context_closes_its_objects(self):
        mr = self.pd.reg_mr(bytearray(PAGE))
        cq = self.ctx.create_cq(4)
        q = self.pd.create_queue(cq, 4)
        self.ctx.close()
        for obj in (q, cq, mr, self.pd, self.ctx):
            self.assertTrue(obj.closed)
        self.assertIsNone(mr.buffer)
        with self.assertRaises(ValueError):
            q.post(accel.WorkRequest(accel.WR_NOP))
        with self.assertRaises(ValueError):
            self.ctx.query()
        self.ctx.close()

    def test_no_event_on_a_working_device(self):
        self.assertIsNone(self.ctx.get_event(block=False))
        self.assertTrue(os.get_blocking(self.ctx.fd))


class DataPath(unittest.TestCase):
    N = 64 * 1024

    def setUp(self):
        self.ctx = accel.open("soft0")
        self.pd = self.ctx.alloc_pd()
        self.src = bytearray((i * 7 + 3) & 0xff for i in range(self.N))
        self.dst = bytearray(self.N)
        self.smr = self.pd.reg_mr(self.src)
        self.dmr = self.pd.reg_mr(self.dst, accel.ACCESS_WRITE)
        self.cq = self.ctx.create_cq(64)
        self.q = self.pd.create_queue(self.cq, 64)

    def tearDown(self):
        self.ctx.close()

    def one(self, wr):
        self.assertEqual(self.q.post(wr), 1)
        wc = self.cq.wait_one(30000)
        self.assertIsNotNone(wc)
        self.assertEqual(wc.queue_id, self.q.id)
        return wc

    def test_copy_through_the_queue(self):
        wc = self.one(accel.WorkRequest(accel.WR_COPY, self.smr, self.dmr, length=self.N,
                                        user_data=0x1122334455667788))
        self.assertEqual((wc.user_data, wc.status), (0x1122334455667788, 0))
        self.assertEqual(self.dst, self.src)

    def test_copy_at_offsets(self):
        wc = self.one(accel.WorkRequest(accel.WR_COPY, self.smr, self.dmr, src_offset=100,
                                        dst_offset=5000, length=3000, user_data=1))
        self.assertEqual(wc.status, 0)
        self.assertEqual(self.dst[5000:8000], self.src[100:3100])
        self.assertEqual(self.dst[:5000], bytes(5000))
        self.assertEqual(self.dst[8000:], bytes(self.N - 8000))

    def test_fill(self):
        wc = self.one(accel.WorkRequest(accel.WR_FILL, dst_mr=self.dmr, dst_offset=10,
                                        length=20, value=0x1a5))
        self.assertEqual(wc.status, 0)
        self.assertEqual(self.dst[:40], bytes(10) + b"\xa5" * 20 + bytes(10))

    def test_crc32c_check_value(self):
        buf = bytearray(b"123456789")
        with self.pd.reg_mr(buf) as mr:
            wc = self.one(accel.WorkRequest(accel.WR_CRC32C, mr, length=9))
        self.assertEqual((wc.status, wc.result), (0, 0xE3069283))

    def test_compare(self):
        other = bytearray(self.src)
        other[5] ^= 0xff
        with self.pd.reg_mr(other) as mr:
            wc = self.one(accel.WorkRequest(accel.WR_COMPARE, self.smr, mr, length=self.N))
            self.assertEqual((wc.status, wc.result), (0, 6))
            wc = self.one(accel.WorkRequest(accel.WR_COMPARE, self.smr, mr, src_offset=6,
                                            dst_offset=6, length=self.N - 6))
            self.assertEqual((wc.status, wc.result), (0, 0))

    def test_write_to_a_read_only_mr_completes_with_eacces(self):
        wc = self.one(accel.WorkRequest(accel.WR_COPY, self.smr, self.smr, length=16))
        self.assertEqual(wc.status, errno.EACCES)

    def test_range_outside_the_mr_completes_with_efault(self):
        wc = self.one(accel.WorkRequest(accel.WR_COPY, self.smr, self.dmr, src_offset=1,
                                        length=self.N))
        self.assertEqual(wc.status, errno.EFAULT)
        self.assertEqual(self.dst, bytes(self.N))

    def test_unknown_mr_completes_with_enoent(self):
        wc = self.one(accel.WorkRequest(accel.WR_COPY, self.smr, 0x7fffffff, length=16))
        self.assertEqual(wc.status, errno.ENOENT)

    def test_batch_of_32_copies(self):
        wrs = [accel.WorkRequest(accel.WR_COPY, self.smr, self.dmr, src_offset=i * 2048,
                                 dst_offset=i * 2048, length=2048, user_data=i)
               for i in range(32)]
        self.assertEqual(self.q.post(wrs), 32)
        got = []
        while len(got) < 32:
            wcs = self.cq.poll(32)
            if not wcs:
                self.assertTrue(self.cq.wait(30000))
            got += wcs
        self.assertEqual(sorted(w.user_data for w in got), list(range(32)))
        self.assertEqual([w.status for w in got], [0] * 32)
        self.assertEqual(self.dst, self.src)

    def test_wait_on_an_empty_cq_times_out(self):
        self.assertFalse(self.cq.wait(10))
        self.assertEqual(self.cq.poll(), [])

    def test_copy_into_device_memory_seen_through_its_dmabuf(self):
        if not self.ctx.query().dev_caps & accel.DEV_CAP_DM:
            self.skipTest("soft0 reports no DEV_CAP_DM")
        with self.ctx.alloc_dm(self.N) as dm:
            fd = dm.export()
            try:
                with mmap.mmap(fd, self.N) as view:
                    self.assertEqual(view[:], bytes(self.N))     # zero-filled
                    with self.pd.reg_dmabuf_mr(fd, self.N - PAGE, offset=PAGE,
                                               access=accel.ACCESS_WRITE) as mr:
                        self.assertEqual(mr.length, self.N - PAGE)
                        self.assertIsNone(mr.buffer)
                        wc = self.one(accel.WorkRequest(accel.WR_COPY, self.smr, mr,
                                                        length=self.N - PAGE))
                        self.assertEqual(wc.status, 0)
                        self.assertEqual(view[:PAGE], bytes(PAGE))
                        self.assertEqual(view[PAGE:], self.src[:self.N - PAGE])
            finally:
                os.close(fd)

    def test_copy_through_the_facet(self):
        import struct
        with self.ctx.get_facet([("dma.soft.uaccel", 1, 2)]) as f:
            cmd = struct.pack("=IIIIQQQ", 40, 0, self.smr.id, self.dmr.id, 8, 16, 1000)
            self.assertEqual(f.ioctl(1, bytearray(cmd)), 0)
            self.assertEqual(self.dst[16:1016], self.src[8:1008])
            bad = struct.pack("=IIIIQQQ", 40, 0, self.dmr.id, self.smr.id, 0, 0, 16)
            with self.assertRaises(OSError) as cm:
                f.ioctl(1, bytearray(bad))
            self.assertEqual(cm.exception.errno, errno.EACCES)


class Demo(unittest.TestCase):
    def run_demo(self, *args):
        return subprocess.run([sys.executable, DEMO] + list(args), capture_output=True,
                              text=True, timeout=120, check=False)

    def test_demo_on_soft0(self):
        p = self.run_demo("soft0")
        self.assertEqual(p.stderr, "")
        self.assertEqual(p.returncode, 0)
        out = re.sub(r"fd [0-9]+", "fd N", p.stdout)
        self.assertEqual(out.splitlines(), [
            "device soft0 opened; provider: %s" % (
                "soft" if os.environ.get("ACCEL_PROVIDER_PATH") else "none (generic path)"),
            "facet dma-v3.soft.uaccel v1..v1: not served, falling back",
            "facet dma.soft.uaccel: version 2, fd N",
            "facet copy of 524288 bytes: verified",
            "queue copy of 524288 bytes: status 0, verified",
            "demo passed",
        ])

    def test_demo_on_a_missing_device(self):
        p = self.run_demo("nosuch")
        self.assertEqual((p.returncode, p.stdout), (1, ""))
        self.assertEqual(p.stderr, "demo.py: opening nosuch: no accelerator named nosuch: "
                         "No such device (ENODEV)\n")


class TapResult(unittest.TextTestResult):
    """unittest's result, printed as TAP lines."""

    def __init__(self, stream, descriptions, verbosity):
        super().__init__(stream, descriptions, 0)
        self.n = 0

    def _line(self, ok, test, note=""):
        self.n += 1
        print("%s %d - %s%s" % ("ok" if ok else "not ok", self.n, test.id().split(".", 1)[1],
                                note), flush=True)

    def _diag(self, test, err):
        for line in self._exc_info_to_string(err, test).splitlines():
            print("#   " + line)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(False, test)
        self._diag(test, err)

    def addError(self, test, err):
        super().addError(test, err)
        self._line(False, test)
        self._diag(test, err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, test.id().split(".", 1)[1], reason))


def main(argv):
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[__name__])
    if argv:
        picked = unittest.TestSuite()
        for t in (t for group in suite for cls in group for t in cls):
            if any(a in t.id() for a in argv):
                picked.addTest(t)
        suite = picked
    with open(os.devnull, "w") as null:
        result = unittest.TextTestRunner(stream=null, resultclass=TapResult).run(suite)
    print("1..%d" % result.n)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
