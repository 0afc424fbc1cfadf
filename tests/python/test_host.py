#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Host checks of the Python binding (ctest "python"; no device needed).

The cdef of python/accel against include/accel/accel.h as the C compiler
lays it out (every structure's size and every field's offset), every
declared function resolved in the library of ACCEL_LIBRARY, the version,
a docstring on every public name, and discovery against an empty sysfs
(UACCEL_SYSFS_ROOT).  usage: test_host.py (environment: PYTHONPATH,
ACCEL_LIBRARY, UACCEL_SYSFS_ROOT, CC)
"""

import errno
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import accel

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
ffi = accel._ffi  # pylint: disable=protected-access


def declared(kind):
    """The struct names or function names of the binding's cdef."""
    cdef = accel._CDEF  # pylint: disable=protected-access
    if kind == "struct":
        return re.findall(r"^struct (\w+) \{", cdef, re.M)
    return re.findall(r"\b(accel_\w+)\(", cdef)


class Binding(unittest.TestCase):
    def test_library_is_the_one_asked_for(self):
        self.assertEqual(accel.LIBRARY, os.environ["ACCEL_LIBRARY"])

    def test_version_is_the_headers(self):
        with open(os.path.join(TOP, "include", "accel", "version.h")) as f:
            text = f.read()
        want = re.search(r'#define ACCEL_VERSION\s+"([^"]*)"', text).group(1)
        self.assertEqual(accel.library_version(),
                         tuple(int(x) for x in want.split(".")) + (want,))

    def test_every_declared_function_resolves(self):
        names = declared("func")
        self.assertGreaterEqual(len(names), 35)
        for name in names:
            self.assertTrue(callable(getattr(accel._lib, name)), name)  # pylint: disable=protected-access

    def test_layouts_are_the_compilers(self):
        cc = os.environ.get("CC") or shutil.which("cc")
        if not cc:
            self.skipTest("no C compiler")
        lines = ["#include <stddef.h>", "#include <accel/accel.h>"]
        for s in declared("struct"):
            t = ffi.typeof("struct %s" % s)
            lines.append("_Static_assert(sizeof(struct %s) == %d, \"size of %s\");"
                         % (s, ffi.sizeof(t), s))
            for fname, field in t.fields:
                lines.append("_Static_assert(offsetof(struct %s, %s) == %d, \"%s.%s\");"
                             % (s, fname, field.offset, s, fname))
        with tempfile.TemporaryDirectory() as d:
            src = os.path.join(d, "layout.c")
            with open(src, "w") as f:
                f.write("\n".join(lines) + "\n")
            p = subprocess.run([cc, "-std=c11", "-fsyntax-only", "-I",
                                os.path.join(TOP, "include"), src],
                               capture_output=True, text=True, check=False)
        self.assertEqual((p.returncode, p.stderr), (0, ""))
        self.assertGreaterEqual(len(lines), 60)

    def test_every_public_name_has_a_docstring(self):
        self.assertTrue(len(accel.__doc__) > 1000)
        for name in accel.__all__:
            obj = getattr(accel, name)
            self.assertTrue(obj.__doc__ and obj.__doc__.strip(), name)
            for attr, member in vars(obj).items() if isinstance(obj, type) else ():
                if not attr.startswith("_") and callable(member):
                    self.assertTrue(member.__doc__, "%s.%s" % (name, attr))

    def test_empty_sysfs_lists_nothing(self):
        self.assertEqual(accel.get_devices(), [])

    def test_open_without_devices_is_enodev(self):
        for name in (None, "soft0"):
            with self.assertRaises(OSError) as cm:
                accel.open(name)
            self.assertEqual(cm.exception.errno, errno.ENODEV)


if __name__ == "__main__":
    unittest.main()
