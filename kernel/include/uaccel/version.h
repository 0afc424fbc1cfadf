/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The version of the uaccel modules, shown by modinfo: the project version
 * of CMakeLists.txt (tests/pkg/check-packaging.sh checks that they agree).
 */
#ifndef _UACCEL_VERSION_H
#define _UACCEL_VERSION_H

#define UACCEL_VERSION	"0.1.0"

#endif /* _UACCEL_VERSION_H */
