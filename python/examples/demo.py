#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""The README demo (tools/accel-demo.c) in Python, over the accel binding.

Request the newest DMA facet a device serves, falling back to older
names, register two buffers of 1 MiB, copy the first half through the
facet and the second half through a queue, and verify; the output has the
lines of accel-demo.

usage: demo.py [-t MS] [DEVICE]   (default DEVICE: soft0)
Exit status: 0 both copies verified; 1 a failure; 2 usage error.
"""

import argparse
import errno
import os
import struct
import sys

import accel

LEN = 1 << 20
PROG = "demo.py"
# Newest first: a name from a newer kernel, the current name, the name of
# the first release (include/uapi/uaccel/soft.h).
REQUESTS = [("dma-v3.soft.uaccel", 1, 1), ("dma.soft.uaccel", 1, 2), ("softdma", 1, 1)]
# struct uaccel_soft_dma_copy: size, flags, src_mr, dst_mr, src_offset,
# dst_offset, length; command UACCEL_SOFT_DMA_COPY.
DMA_COPY = struct.Struct("=IIIIQQQ")
SOFT_DMA_COPY = 1


def errname(err):
    return errno.errorcode.get(err, str(err))


def fail(dev, what, err):
    print("%s: %s: %s: %s (%s)" % (PROG, dev, what, os.strerror(err), errname(err)),
          file=sys.stderr)
    return 1


def main(argv):
    parser = argparse.ArgumentParser(
        prog=PROG, description="Copy 1 MiB through a soft device's DMA facet and "
        "through a queue, and verify both copies.")
    parser.add_argument("-t", "--timeout", type=int, default=10000, metavar="MS",
                        help="wait at most MS milliseconds for the queue's completion "
                        "(default 10000, 0: no limit)")
    parser.add_argument("device", nargs="?", default="soft0")
    args = parser.parse_args(argv)
    if args.timeout < 0:
        parser.error("timeout must be 0 or more")
    dev = args.device

    try:
        ctx = accel.open(dev)
    except OSError as e:
        print("%s: %s (%s)" % (PROG, e.strerror, errname(e.errno)), file=sys.stderr)
        return 1
    with ctx:
        print("device %s opened; provider: %s" % (dev, ctx.provider or "none (generic path)"))
        try:
            facet = ctx.get_facet(REQUESTS)
        except OSError as e:
            print("%s: %s (%s)" % (PROG, e.strerror, errname(e.errno)), file=sys.stderr)
            return 1
        with facet:
            for name, vmin, vmax in REQUESTS[:facet.matched]:
                print("facet %s v%d..v%d: not served, falling back" % (name, vmin, vmax))
            print("facet %s: version %d, fd %d" % (facet.name, facet.version, facet.fd))

            src = bytearray((i * 7 + 3) & 0xff for i in range(LEN))
            dst = bytearray(LEN)
            try:
                what = "allocating a protection domain"
                pd = ctx.alloc_pd()
                what = "registering the source buffer"
                smr = pd.reg_mr(src)
                what = "registering the destination buffer"
                dmr = pd.reg_mr(dst, accel.ACCESS_WRITE)

                # 1: a synchronous copy through the facet, naming the MRs by id.
                what = "facet copy of %d bytes" % (LEN // 2)
                cmd = bytearray(DMA_COPY.pack(DMA_COPY.size, 0, smr.id, dmr.id, 0, 0, LEN // 2))
                facet.ioctl(SOFT_DMA_COPY, cmd)
                print("facet copy of %d bytes: %s" % (
                    LEN // 2, "verified" if src[:LEN // 2] == dst[:LEN // 2] else "MISMATCH"))

                # 2: the other half through a queue and a CQ.
                what = "creating a completion queue"
                cq = ctx.create_cq(16)
                what = "creating a queue"
                q = pd.create_queue(cq, 16)
                what = "posting a copy to the queue"
                if q.post(accel.WorkRequest(accel.WR_COPY, src_mr=smr, dst_mr=dmr,
                                            src_offset=LEN // 2, dst_offset=LEN // 2,
                                            length=LEN // 2, user_data=42)) != 1:
                    return fail(dev, what, errno.EAGAIN)
                what = "waiting for the queue copy's completion"
                wc = cq.wait_one(args.timeout)
            except OSError as e:
                return fail(dev, what, e.errno)
            if wc is None:
                print("%s: %s: queue copy of %d bytes: no completion after %d ms (ETIMEDOUT)"
                      % (PROG, dev, LEN // 2, args.timeout), file=sys.stderr)
                return 1
            if wc.status:
                print("%s: %s: queue copy of %d bytes: completion status %s (%s)"
                      % (PROG, dev, LEN // 2, errname(wc.status), os.strerror(wc.status)),
                      file=sys.stderr)
            good = not wc.status and src == dst
            print("queue copy of %d bytes: status %d, %s"
                  % (LEN // 2, wc.status, "verified" if good else "MISMATCH"))
            for obj in (q, cq, smr, dmr, pd):
                obj.close()
    print("demo %s" % ("passed" if good else "FAILED"))
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
