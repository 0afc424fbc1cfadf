#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Host side of the test VM's QMP mailbox.

A guest test cannot reach QEMU's monitor, so the VM runner (run-vm.sh -Q)
starts this agent next to QEMU.  It connects to the QMP socket and watches
OUT/qmp/ (the guest's /tmp/out/qmp, shared over 9p): when the guest renames
a command into req.json, the agent sends it to QEMU and writes the reply to
rsp.json.  OUT/qmp/ready tells the guest that the mailbox works.

usage: qmp-agent.py QMP_SOCKET OUT_DIR
"""
import json
import os
import socket
import sys
import time


def connect(path, tries=600):
    for _ in range(tries):
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            return s
        except OSError:
            s.close()
            time.sleep(0.1)
    sys.exit("qmp-agent: cannot connect to " + path)


def main():
    sock_path, out = sys.argv[1], sys.argv[2]
    box = os.path.join(out, "qmp")
    os.makedirs(box, exist_ok=True)
    conn = connect(sock_path).makefile("rw")

    def reply():
        # Asynchronous events (DEVICE_DELETED, ...) are not replies.
        while True:
            line = conn.readline()
            if not line:
                sys.exit(0)
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def send(cmd):
        conn.write(cmd.strip() + "\n")
        conn.flush()
        return reply()

    reply()  # the greeting
    send('{"execute": "qmp_capabilities"}')
    open(os.path.join(box, "ready"), "w").close()

    req = os.path.join(box, "req.json")
    while True:
        if os.path.exists(req):
            with open(req) as f:
                cmd = f.read()
            os.unlink(req)
            rsp = send(cmd)
            tmp = os.path.join(box, "rsp.tmp")
            with open(tmp, "w") as f:
                f.write(json.dumps(rsp) + "\n")
            os.rename(tmp, os.path.join(box, "rsp.json"))
        time.sleep(0.05)


if __name__ == "__main__":
    main()
