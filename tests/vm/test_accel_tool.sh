#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# In-VM: accel(8), the operators' tool over the generic netlink family
# "uaccel".  accel -j dev against sysfs for every device; accel res against
# a process holding known resources (vm_holder): its pid, comm, counts,
# pinned bytes and objects, exactly; renames and the exclusive mode through
# accel dev set, seen in sysfs; accel monitor -c seeing a device's arrival,
# rename and removal in order; a user without CAP_NET_ADMIN lists but
# cannot set (EPERM); usage errors exit 2.  Every case checks the exit
# status and standard error.
# Expects uaccel_core and uaccel_soft loaded with soft0, soft1 and soft2 and
# no context open.  usage: test_accel_tool.sh BUILD_DIR
B=$1
. "$(dirname "$0")/tap.sh"
A="$B/tools/accel"
SW="$B/tests/sysfs-write"
DRV=/sys/bus/platform/drivers/uaccel_soft
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
tmp=$(mktemp -d)
holder_pid=""
cleanup() {
	[ -n "$holder_pid" ] && kill "$holder_pid" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# run CMD...: its stdout, stderr and exit status in $out, $err and $rc.
run() {
	out=$("$@" 2> "$tmp/err")
	rc=$?
	err=$(cat "$tmp/err")
}
# json PYTHON: run the assertions on $out read as JSON (d).
json() { printf '%s' "$out" | python3 -c "import json, os, sys
d = json.load(sys.stdin)
$1"; }
# like DESC PATTERN TEXT: ok when TEXT matches the shell pattern.
like() {
	# shellcheck disable=SC2053
	if [[ $3 == $2 ]]; then ok "$1"; else not_ok "$1"; echo "#   got: '$3'"; fi
}

# ---- accel dev against sysfs ----
run "$A" -j -d dev
is "accel -j -d dev exits 0, nothing on stderr" "$rc:$err" "0:"
check "accel -j -d dev: every device as sysfs has it" json '
names = sorted(os.listdir("/sys/class/uaccel"))
assert sorted(x["name"] for x in d) == names, (d, names)
for x in d:
    s = "/sys/class/uaccel/" + x["name"] + "/"
    r = lambda a: open(s + a).read().strip()
    node = [l.split("=")[1] for l in r("uevent").splitlines() if l.startswith("DEVNAME=")][0]
    assert x["node"] == "/dev/" + node, (x, node)
    assert x["index"] == int(node.replace("uaccel/uaccel", "")), x
    assert x["driver"] == r("driver"), x
    assert x["contexts"] == int(r("contexts")), x
    assert x["exclusive"] is (r("exclusive") == "1"), x
    assert x["numa_node"] == int(r("numa_node")), x
    assert x["abi_version"] == int(r("abi_version")), x
    assert "%d:%d" % (x["major"], x["minor"]) == r("dev"), x
    assert x["state"] == "live", x
    f = [[y["name"], y["min_version"], y["max_version"], y["flags"]] for y in x["facets"]]
    want = [[l.split()[0]] + [int(v) for v in l.split()[1:]] for l in r("facets").splitlines()]
    assert f == want, (f, want)
    names = [["privileged"] if y["flags"] & 1 else [] for y in x["facets"]]
    assert all(set(n) <= set(y["flag_names"]) for n, y in zip(names, x["facets"])), x
'
run "$A" -j dev
check "accel -j dev (no -d) leaves the facets out" json 'assert d and all("facets" not in x for x in d), d'
idx0=$(sed -n 's/^DEVNAME=uaccel\/uaccel//p' /sys/class/uaccel/soft0/uevent)
run "$A" dev show soft0
is "accel dev show soft0: one line, rdma's way" "$rc:$err:$out" \
	"0::$idx0: soft0: driver soft node /dev/uaccel/uaccel$idx0 numa -1 contexts 0 exclusive off state live"
run "$A" dev
is "accel dev: one line per device" "$rc:$(wc -l <<< "$out")" "0:$(ls /sys/class/uaccel | wc -l)"
run "$A" -d dev show soft0
is "accel -d dev show soft0: the facets with their flags by name" "$rc:$(grep -c '^    facet ' <<< "$out"):$(grep -c 'facet debug.soft.uaccel versions 1-1 flags privileged,exclusive$' <<< "$out")" \
	"0:$(wc -l < /sys/class/uaccel/soft0/facets):1"
run "$A" -p dev show soft0
check "accel -p prints indented JSON" json 'assert d[0]["name"] == "soft0", d'
like "accel -p: indented" '*'$'\n''  {'* "$out"
run "$A" dev show nosuch
is "accel dev show nosuch: exit 1, says so" "$rc:$out:$err" "1::accel: no accelerator named nosuch (ENODEV)"
run $NOBODY "$A" -j dev
is "nobody: accel -j dev exits 0, nothing on stderr" "$rc:$err" "0:"
check "nobody: lists every device" json 'assert len(d) == len(os.listdir("/sys/class/uaccel")), d'

# ---- accel res against a process holding known resources ----
mkfifo "$tmp/holder.in"
"$B/tests/vm_holder" soft0 3 8192 < "$tmp/holder.in" > "$tmp/holder.out" 2>&1 &
holder_pid=$!
exec {hold}> "$tmp/holder.in"
for _ in $(seq 300); do
	grep -q '^ready' "$tmp/holder.out" && break
	kill -0 "$holder_pid" 2> /dev/null || break
	sleep 0.1
done
ready=$(cat "$tmp/holder.out")
like "vm_holder holds 3 MRs, a CQ, a queue and a facet file on soft0" "ready pid $holder_pid mrs *" "$ready"
read -r _ _ _ _ mrs _ cq _ queue _ <<< "$ready"
run "$A" -j res
is "accel -j res exits 0, nothing on stderr" "$rc:$err" "0:"
check "accel -j res: the holder's context exactly" json "
c = [x for x in d if x['pid'] == $holder_pid]
assert len(c) == 1, d
c = c[0]
want = dict(dev='soft0', dev_index=$idx0, pid=$holder_pid, comm='vm_holder', uid=0,
            pds=1, mrs=3, cqs=1, queues=1, pinned_bytes=3 * 8192, facet_files=1,
            facets=[dict(name='factorial.uaccel', version=1)])
assert {k: c.get(k) for k in want} == want, c
assert isinstance(c['ctx'], int), c
"
run "$A" res
like "accel res: the holder's line" "*dev soft0 ctx * pid $holder_pid comm vm_holder uid 0 pds 1 mrs 3 cqs 1 queues 1 pinned 24576 facet-files 1 facets factorial.uaccel:1*" "$out"
run "$A" -j res show mr dev soft0
is "accel -j res show mr dev soft0 exits 0, nothing on stderr" "$rc:$err" "0:"
check "accel res show mr dev soft0: exactly the holder's 3 MRs" json "
want = sorted(int(i) for i in '$mrs'.split(','))
assert sorted(x['mr'] for x in d) == want, (d, want)
assert all(x['pid'] == $holder_pid and x['comm'] == 'vm_holder' and x['dev'] == 'soft0' for x in d), d
assert all(x['length'] == 8192 and x['pinned_bytes'] == 8192 for x in d), d
assert len(set(x['addr'] for x in d)) == 3 and len(set(x['pd'] for x in d)) == 1, d
"
run "$A" res show mr dev soft0
is "accel res show mr dev soft0: one line per MR, with pid and comm" \
	"$rc:$(grep -c " pid $holder_pid comm vm_holder\$" <<< "$out"):$(wc -l <<< "$out")" "0:3:3"
run "$A" -j res show mr dev soft1
is "accel -j res show mr dev soft1: none" "$rc:$err:$out" "0::[]"
run "$A" -j res show queue
check "accel res show queue: the holder's queue on its CQ" json "
q = [x for x in d if x['pid'] == $holder_pid]
assert [(x['queue'], x['cq'], x['dev']) for x in q] == [($queue, $cq, 'soft0')], d
assert q[0]['entries'] >= 64, q
"
run "$A" -j res show cq dev soft0
check "accel res show cq dev soft0: the holder's CQ" json "
assert [(x['cq'], x['pid']) for x in d] == [($cq, $holder_pid)], d
"
run "$A" -j res show pd dev soft0
check "accel res show pd dev soft0: one PD, the MRs' PD" json "
assert [x['pid'] for x in d] == [$holder_pid], d
" 
run "$A" -j res show facet dev soft0
check "accel res show facet dev soft0: the facet file, its version" json "
assert [(x['facet'], x['version'], x['pid']) for x in d] == [('factorial.uaccel', 1, $holder_pid)], d
"
run "$A" -j dev show soft0
check "accel dev show soft0: 1 context while held" json 'assert d[0]["contexts"] == 1, d'
run "$A" res show mr dev nosuch
is "accel res show mr dev nosuch: exit 1" "$rc:$out:$err" "1::accel: no accelerator named nosuch (ENODEV)"
exec {hold}>&-
wait "$holder_pid"
is "vm_holder releases everything and exits 0" "$?" 0
holder_pid=""
run "$A" -j res show mr dev soft0
is "no MR on soft0 once it exited" "$rc:$out" "0:[]"

# ---- accel dev set ----
run "$A" dev set soft2 name tool0
is "accel dev set soft2 name tool0 exits 0, nothing printed" "$rc:$out:$err" "0::"
check "sysfs has tool0, not soft2" test -d /sys/class/uaccel/tool0 -a ! -e /sys/class/uaccel/soft2
run "$A" -j dev show tool0
check "accel dev show tool0" json 'assert d[0]["name"] == "tool0" and d[0]["driver"] == "soft", d'
run "$A" dev set tool0 name soft0
like "renaming to a taken name: exit 1, EEXIST" "1::accel: dev set tool0: File exists (EEXIST)*" "$rc:$out:$err"
run "$A" dev set tool0 name bad/name
like "renaming to a name with a slash: exit 1, EINVAL" "1::accel: dev set tool0: Invalid argument (EINVAL)*" "$rc:$out:$err"
run "$A" dev set tool0 name soft2
is "accel dev set tool0 name soft2 exits 0" "$rc:$out:$err" "0::"
check "sysfs has soft2 again" test -d /sys/class/uaccel/soft2 -a ! -e /sys/class/uaccel/tool0
run "$A" dev set soft1 exclusive on
is "accel dev set soft1 exclusive on exits 0" "$rc:$out:$err" "0::"
is "sysfs exclusive of soft1 is 1" "$(cat /sys/class/uaccel/soft1/exclusive)" 1
run "$A" -j dev show soft1
check "accel dev show soft1: exclusive" json 'assert d[0]["exclusive"] is True, d'
run "$A" dev set soft1 exclusive off
is "accel dev set soft1 exclusive off: sysfs 0" "$rc:$err:$(cat /sys/class/uaccel/soft1/exclusive)" "0::0"

# ---- privileges ----
run $NOBODY "$A" dev set soft0 name nobody0
is "nobody: accel dev set fails with EPERM, exit 1" "$rc:$out:$err" \
	"1::accel: dev set soft0: Operation not permitted (EPERM)"
check "nobody: soft0 keeps its name" test -d /sys/class/uaccel/soft0
run $NOBODY "$A" dev set soft0 exclusive on
is "nobody: exclusive on fails with EPERM" "$rc:$(cat /sys/class/uaccel/soft0/exclusive)" "1:0"

# ---- accel monitor ----
# Wait until PID blocks in recvmsg (47 on x86_64; libmnl's
# mnl_socket_recvfrom): the family is resolved, the group joined (the only
# read that blocks is the monitor's).
subscribed() {
	for _ in $(seq 200); do
		case $(cat "/proc/$1/syscall" 2> /dev/null) in 47\ *) return 0 ;; esac
		sleep 0.1
	done
	return 1
}
"$A" monitor -c 3 > "$tmp/mon.out" 2> "$tmp/mon.err" &
mon=$!
check "accel monitor -c 3 waits for events" subscribed $mon
is "new_device mon0" "$("$SW" $DRV/new_device mon0)" OK
run "$A" dev set mon0 name mon1
is "accel dev set mon0 name mon1" "$rc:$err" "0:"
is "delete_device mon1" "$("$SW" $DRV/delete_device mon1)" OK
# finish PID: its exit status, once it exited (killed after 30 s: 143).
finish() {
	timeout 30 tail --pid="$1" -f /dev/null || kill "$1"
	wait "$1"
}
finish $mon
is "accel monitor -c 3 exits 0 after 3 events, nothing on stderr" "$?:$(cat "$tmp/mon.err")" "0:"
is "accel monitor: arrival, rename and removal in order" "$(cat "$tmp/mon.out")" "[NEW] dev mon0 driver soft
[RENAME] mon0 -> mon1
[DEL] dev mon1 driver soft"

"$A" -j monitor -c 3 > "$tmp/mon.out" 2> "$tmp/mon.err" &
mon=$!
check "accel -j monitor -c 3 waits for events" subscribed $mon
"$SW" $DRV/new_device mon2 > /dev/null
"$A" dev set mon2 name mon3
"$SW" $DRV/delete_device mon3 > /dev/null
finish $mon
is "accel -j monitor -c 3 exits 0" "$?:$(cat "$tmp/mon.err")" "0:"
out=$(cat "$tmp/mon.out")
printf '%s\n' "$out" | sed 's/^/# /'
check "accel -j monitor: one JSON object per line" sh -c 'printf "%s\n" "$1" | python3 -c "
import json, sys
e = [json.loads(l) for l in sys.stdin]
want = [(\"new\", \"mon2\", None), (\"rename\", \"mon3\", \"mon2\"), (\"del\", \"mon3\", None)]
assert [(x[\"event\"], x[\"name\"], x.get(\"old_name\")) for x in e] == want, e
assert all(x[\"driver\"] == \"soft\" and isinstance(x[\"index\"], int) for x in e), e
"' sh "$out"
is "three soft devices again" "$(ls /sys/class/uaccel | tr '\n' ' ')" "soft0 soft1 soft2 "

# ---- usage ----
for args in "" "-x dev" "foo" "dev frob" "dev set soft0" "dev set soft0 color red" \
	"dev set soft0 exclusive maybe" "dev show soft0 extra" "res show bogus" \
	"res show mr dev" "monitor -c 0" "monitor -c x" "monitor extra"; do
	# shellcheck disable=SC2086
	run "$A" $args
	like "accel $args: usage error, exit 2" "2::*Try 'accel --help' for more information." "$rc:$out:$err"
done
run "$A" --help
like "accel --help: exit 0, usage on stdout" "0:usage: accel *:" "$rc:$out:$err"
run "$A" -V
is "accel -V" "$rc:$out:$err" "0:accel (uaccel) $("$B/tools/accelinfo" -V | sed 's/.* //'):"

# ---- accelinfo -l and its new lines ----
run "$B/tools/accelinfo" -l
# In libaccel's order (by node index, which earlier tests' re-creations shuffle).
is "accelinfo -l: the names, one a line" "$rc:$err:$(sort <<< "$out" | tr '\n' ' ')" "0::soft0 soft1 soft2 "
run "$B/tools/accelinfo" -j -l
check "accelinfo -j -l: a JSON array of names" json 'assert sorted(d) == ["soft0", "soft1", "soft2"], d'
run "$B/tools/accelinfo" -d soft0
check "accelinfo: the exclusive state" grep -qx "$(printf '\texclusive:\t0')" <<< "$out"
check "accelinfo: facet flags by name" \
	grep -qx "$(printf '\tfacet:\t\tdebug.soft.uaccel v1..v1 flags 0x3 (privileged,exclusive)')" <<< "$out"
run "$B/tools/accelinfo" -j
check "accelinfo -j: exclusive and flag_names" json '
x = [y for y in d if y["name"] == "soft0"][0]
assert x["exclusive"] is False, x
assert [f["flag_names"] for f in x["facets"] if f["name"] == "debug.soft.uaccel"] == [["privileged", "exclusive"]], x
'

done_testing
