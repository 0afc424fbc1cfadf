#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The command lines of the tools and of the benchmark driver, without a
# device: --help and --version, unknown options, bad operands and numbers
# (exit status 2), and failures of what was asked (exit status 1) against a
# fixture sysfs/dev tree (UACCEL_SYSFS_ROOT, UACCEL_DEV_ROOT) whose device
# node is a plain file, so that opening works and every command fails.
# Each case checks the exit status, standard output and standard error.
# usage: test_tools.sh VERSION ACCELINFO ACCEL-DEMO ACCEL-FACTORIAL UACCEL-BENCH ACCEL ACCEL-CIPHER
set -u
[ $# -eq 7 ] || { sed -n '9p' "$0" >&2; exit 2; }
version=$1 accelinfo=$2 demo=$3 factorial=$4 bench=$5 accel=$6 cipher=$7
n=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { n=$((n + 1)); echo "ok $n - tools: $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - tools: $*"; }

# run CMD...: run it with stdout, stderr and status in $out, $err, $rc.
run() {
	"$@" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}
# expect DESC RC OUT ERR CMD...: the status is RC; stdout and stderr are
# matched by grep -E (an empty pattern: must be empty; "*": anything).
expect() {
	local desc=$1 want_rc=$2 want_out=$3 want_err=$4 why=()
	shift 4
	run "$@"
	[ "$rc" -eq "$want_rc" ] || why+=("exit status $rc, want $want_rc")
	match "$out" "$want_out" || why+=("stdout does not match '$want_out'")
	match "$err" "$want_err" || why+=("stderr does not match '$want_err'")
	if [ ${#why[@]} -eq 0 ]; then
		ok "$desc"
	else
		not_ok "$desc"
		printf '#   %s\n' "${why[@]}"
		printf '%s\n' "$out" | sed 's/^/#   stdout: /'
		printf '%s\n' "$err" | sed 's/^/#   stderr: /'
	fi
}
# quote TEXT: TEXT as an extended regular expression matching itself.
quote() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }
match() { # match TEXT PATTERN
	case $2 in
	"") [ -z "$1" ] ;;
	"*") true ;;
	*) printf '%s\n' "$1" | grep -Eq -- "$2" ;;
	esac
}

# The fixture: soft0 whose node is a character device of /dev/null's number
# (1:3; libaccel takes a node only with the device's number, and /dev/null's
# opens but answers no uaccel command); nothing of the host's /sys or /dev is
# read, no provider is loaded.
fx=$tmp/fx
d=$fx/sys/devices/platform/uaccel_soft.0/uaccel/soft0
mkdir -p "$d" "$fx/sys/class/uaccel" "$fx/dev/uaccel"
ln -s ../../devices/platform/uaccel_soft.0/uaccel/soft0 "$fx/sys/class/uaccel/soft0"
ln -s ../../../uaccel_soft.0 "$d/device"
printf 'MAJOR=1\nMINOR=3\nDEVNAME=uaccel/uaccel0\nDEVMODE=0600\n' > "$d/uevent"
echo 1:3 > "$d/dev"
echo soft > "$d/driver"
echo 1 > "$d/abi_version"
echo -1 > "$d/numa_node"
printf 'dma.soft.uaccel 1 2 0\nsoftdma 1 1 0\nfactorial.uaccel 1 1 0\n' > "$d/facets"
if ! mknod "$fx/dev/uaccel/uaccel0" c 1 3 2>/dev/null; then
	echo "1..0 # SKIP the fixture needs mknod (run as root)"
	exit 0
fi
export UACCEL_SYSFS_ROOT=$fx/sys UACCEL_DEV_ROOT=$fx/dev ACCEL_PROVIDERS=none
unset ACCEL_DEBUG ACCEL_PROVIDER_PATH

# Every program: --help, -h, --version, -V, unknown options.
for prog in "$accelinfo" "$demo" "$factorial" "$bench" "$accel" "$cipher"; do
	name=$(basename "$prog")
	for opt in --help -h; do
		expect "$name $opt: usage on stdout, exit 0" 0 "^usage: $name " "" "$prog" "$opt"
	done
	for opt in --version -V; do
		expect "$name $opt: '$name (uaccel) $version', exit 0" 0 "^$name \\(uaccel\\) $version\$" "" \
			"$prog" "$opt"
	done
	expect "$name --bogus: usage error" 2 "" "unrecognized option '--bogus'" "$prog" --bogus
	expect "$name -Z: usage error" 2 "" "invalid option -- 'Z'" "$prog" -Z
	if [ "$(sed -n 2p "$tmp/err")" = "Try '$name --help' for more information." ] &&
	   [ "$(grep -c '' "$tmp/err")" -eq 2 ]; then
		ok "$name -Z: stderr is the error and a pointer to --help"
	else
		not_ok "$name -Z: stderr is the error and a pointer to --help"
	fi
done

# accel-cipher: every option is checked before any device is touched.
k16=000102030405060708090a0b0c0d0e0f
iv=0f0e0d0c0b0a09080706050403020100
expect "accel-cipher without --cipher: usage error" 2 "" "^accel-cipher: missing --cipher\$" \
	"$cipher" -K $k16 -I $iv
expect "accel-cipher without --key: usage error" 2 "" "^accel-cipher: missing --key\$" \
	"$cipher" -a aes-128-cbc -I $iv
expect "accel-cipher without --iv: usage error" 2 "" "^accel-cipher: missing --iv\$" \
	"$cipher" -a aes-128-ctr -K $k16
expect "accel-cipher -a aes-128-gcm: usage error naming it" 2 "" \
	"^accel-cipher: --cipher: unknown cipher 'aes-128-gcm' " "$cipher" -a aes-128-gcm -K $k16 -I $iv
for a in aes-192-cbc aes-256-ctr; do
	expect "accel-cipher -a $a with a 16-byte key: usage error" 2 "" \
		"^accel-cipher: --key: $a takes [0-9]+ hexadecimal digits\$" "$cipher" -a $a -K $k16 -I $iv
done
for bad in 0 00010203 "${k16}00" 000102030405060708090a0b0c0d0e0g " $k16"; do
	expect "accel-cipher -K '$bad': usage error" 2 "" "^accel-cipher: --key: aes-128-cbc takes 32 hexadecimal digits\$" \
		"$cipher" -a aes-128-cbc -K "$bad" -I $iv
done
expect "accel-cipher -I of 15 bytes: usage error" 2 "" "^accel-cipher: --iv: 32 hexadecimal digits\$" \
	"$cipher" -a aes-128-cbc -K $k16 -I 000102030405060708090a0b0c0d0e
for bad in 0 15 17 -16 1k 67108880; do
	expect "accel-cipher -c '$bad': usage error" 2 "" "^accel-cipher: --chunk: '$(quote "$bad")' is not a multiple of 16" \
		"$cipher" -a aes-128-cbc -K $k16 -I $iv -c "$bad"
done
expect "accel-cipher with an operand: usage error" 2 "" "^accel-cipher: unexpected operand 'file'\$" \
	"$cipher" -a aes-128-cbc -K $k16 -I $iv file
expect "accel-cipher -d '' (empty device): usage error" 2 "" "empty device name" \
	"$cipher" -a aes-128-cbc -K $k16 -I $iv -d ""
expect "accel-cipher -i of a missing file: exit 1" 1 "" "^accel-cipher: $tmp/nosuch: No such file or directory \\(ENOENT\\)\$" \
	"$cipher" -a aes-128-cbc -K $k16 -I $iv -i "$tmp/nosuch"
expect "accel-cipher -d nosuch: no device, exit 1" 1 "" "^accel-cipher: no accelerator named nosuch \\(ENODEV\\)\$" \
	"$cipher" -a AES-128-CBC -K $k16 -I $iv -D -d nosuch -i /dev/null
expect "accel-cipher -d soft0 on a node that is no device: names the facet, exit 1" 1 "" \
	"^accel-cipher: soft0: .*\\(E[A-Z]+\\)\$" "$cipher" -a aes-128-ctr -K $k16 -I $iv -d soft0 -i /dev/null
expect "accel-cipher without devices to select: ENODEV, exit 1" 1 "" \
	"^accel-cipher: no device to select for cipher.uaccel.*\\(ENODEV\\)\$" \
	env UACCEL_SYSFS_ROOT=/nonexistent "$cipher" -a aes-128-ctr -K $k16 -I $iv -i /dev/null

# accelinfo.
expect "accelinfo lists the fixture's soft0" 0 "^soft0\$" "" "$accelinfo"
expect "accelinfo --json" 0 '^\[\{"name":"soft0","driver":"soft",.*\}\]$' "" "$accelinfo" --json
expect "accelinfo with an operand: usage error" 2 "" "^accelinfo: unexpected operand 'soft0'\$" \
	"$accelinfo" soft0
expect "accelinfo -d without a name: usage error" 2 "" "option requires an argument -- 'd'" \
	"$accelinfo" -d
expect "accelinfo --device= (empty): usage error" 2 "" "^accelinfo: --device: empty device name\$" \
	"$accelinfo" --device=
expect "accelinfo -d nosuch: exit 1, says so" 1 "" "^accelinfo: no accelerator named nosuch\$" \
	"$accelinfo" -d nosuch
# -v: the node opens, QUERY_DEVICE fails (ENOTTY on a plain file).
expect "accelinfo -v: a failed query is shown and exits 1" 1 \
	"query:.*failed: Inappropriate ioctl for device" \
	"^accelinfo: soft0: query: Inappropriate ioctl for device \\(ENOTTY\\)\$" "$accelinfo" -v
expect "accelinfo -v -j: query_error in the JSON, exit 1" 1 \
	'"query_error":"Inappropriate ioctl for device"\}\]$' "soft0: query: .*ENOTTY" \
	"$accelinfo" -v -j
expect "accelinfo -v -d soft0: exit 1" 1 "^soft0\$" "soft0: query" "$accelinfo" -v -d soft0
if [ -w /dev/full ]; then
	expect "accelinfo > /dev/full: write error, exit 1" 1 "" \
		"^accelinfo: write error on standard output: No space left on device\$" \
		sh -c '"$0" > /dev/full' "$accelinfo"
fi
# A user who may not open the node (the udev test's case in the VM): the
# device is listed, the reason is on stderr, and the status says it failed.
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null &&
   setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$accelinfo" 2> /dev/null; then
	chmod 755 "$tmp"
	chmod 600 "$fx/dev/uaccel/uaccel0"
	expect "accelinfo -v as a user without access: EACCES, exit 1" 1 \
		"query:.*failed: Permission denied" \
		"^accelinfo: soft0: no permission to open .*/uaccel0: .*\\(EACCES\\)\$" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$accelinfo" -v
	expect "accelinfo as that user lists without -v, exit 0" 0 "^soft0\$" "" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$accelinfo"
	chmod 700 "$tmp"
else
	ok "# SKIP accelinfo as another user (needs root, setpriv and a build tree others can read)"
fi

# accel-factorial: operands are checked before any device is touched.
expect "accel-factorial without DEVICE: usage error" 2 "" "^accel-factorial: missing DEVICE operand\$" \
	"$factorial"
expect "accel-factorial soft0 abc -1 7x: 'abc' is a usage error" 2 "" \
	"^accel-factorial: N: 'abc' is not a decimal number from 0 to 4294967295\$" \
	"$factorial" soft0 abc -1 7x
for bad in -1 7x +7 " 7" "" 0x10 1e3 4294967296 99999999999999999999999; do
	expect "accel-factorial soft0 '$bad': usage error naming it" 2 "" \
		"^accel-factorial: N: '$(quote "$bad")' is not a decimal number from 0 to 4294967295\$" \
		"$factorial" soft0 "$bad"
done
expect "accel-factorial 0 and 4294967295 are numbers (then: no device nosuch)" 1 "" \
	"^accel-factorial: no accelerator named nosuch \\(ENODEV\\)\$" \
	"$factorial" nosuch 0 4294967295
expect "accel-factorial '' (empty device): usage error" 2 "" "empty device name" "$factorial" ""
expect "accel-factorial --select abc: N, not DEVICE, is a usage error" 2 "" \
	"^accel-factorial: N: 'abc' is not a decimal number from 0 to 4294967295\$" \
	"$factorial" --select abc
expect "accel-factorial --select without devices: ENODEV, says why, exit 1" 1 "" \
	"^accel-factorial: no device to select for factorial-v2.uaccel or factorial.uaccel: no accelerator is listed \\(ENODEV\\)\$" \
	env UACCEL_SYSFS_ROOT=/nonexistent "$factorial" -s 5
for bad in abc -5 2147483648; do
	expect "accel-factorial -t '$bad': usage error" 2 "" \
		"^accel-factorial: --timeout: '$bad' is not a number of milliseconds" \
		"$factorial" -t "$bad" soft0
done
expect "accel-factorial soft0 --help after DEVICE: a bad N" 2 "" "N: '--help'" "$factorial" soft0 --help
expect "accel-factorial on a node that is no device: names soft0 and the facet, exit 1" 1 "" \
	"^accel-factorial: soft0: facet .*: Inappropriate ioctl for device \\(ENOTTY\\)\$" \
	"$factorial" soft0 5

# accel-demo.
expect "accel-demo with two operands: usage error" 2 "" "^accel-demo: unexpected operand 'b'\$" \
	"$demo" a b
for bad in x -1 1.5 2147483648; do
	expect "accel-demo --timeout '$bad': usage error" 2 "" \
		"^accel-demo: --timeout: '$(quote "$bad")' is not a number of milliseconds" "$demo" --timeout "$bad"
done
expect "accel-demo nosuch: exit 1, says so" 1 "" "^accel-demo: no accelerator named nosuch \\(ENODEV\\)\$" \
	"$demo" nosuch
expect "accel-demo without DEVICE uses soft0" 1 "^device soft0 opened" \
	"^accel-demo: soft0: facet .*: Inappropriate ioctl for device \\(ENOTTY\\)\$" "$demo"

# uaccel-bench: only command lines that stop before a benchmark runs.
for args in "--repeats 0" "--repeats 5x" "--repeats -3"; do
	expect "uaccel-bench $args: usage error" 2 "" "^uaccel-bench: --repeats: '.*' is not a number" \
		"$bench" $args
done
for args in "--sample-ms 0" "--sample-ms 0.5" "--sample-ms -1"; do
	expect "uaccel-bench $args: usage error" 2 "" "^uaccel-bench: --sample-ms: '.*' is not a number" \
		"$bench" $args
done
for bad in 1,2,3 1,3 1,3,1x 0,3,1 ,3,1 1,3,1,1 "1, 3,1"; do
	expect "uaccel-bench --scale '$bad': usage error" 2 "" "^uaccel-bench: --scale: '$(quote "$bad")' is not C,O,R" \
		"$bench" --scale "$bad"
done
expect "uaccel-bench --spin +5: usage error" 2 "" "^uaccel-bench: --spin: '\\+5' is not a number" \
	"$bench" --spin +5
for bad in "" nosuch,64,1 uaccel-soft,65,1 uaccel-soft,64,2 uaccel-soft,64 "uaccel-soft,64,1x" ",64,1"; do
	expect "uaccel-bench --cipher-only '$bad': usage error" 2 "" \
		"^uaccel-bench: --cipher-only: '$(quote "$bad")' is not PATH,SIZE,BATCH" \
		"$bench" --cipher-only "$bad"
done
for bad in "" soft nosuch,1 soft,0 soft,65 soft,1x ",1" "soft,"; do
	expect "uaccel-bench --rate-only '$bad': usage error" 2 "" \
		"^uaccel-bench: --rate-only: '$(quote "$bad")' is not PATH,BATCH" \
		"$bench" --rate-only "$bad"
done
expect "uaccel-bench nosuch: unknown group, before any benchmark" 2 "" \
	"^uaccel-bench: unknown group 'nosuch'" "$bench" --smoke control nosuch
expect "uaccel-bench --out into a missing directory: exit 1" 1 "" \
	"^uaccel-bench: $tmp/none/raw.jsonl: No such file or directory\$" \
	"$bench" --out "$tmp/none/raw.jsonl" --smoke control

# accel: usage errors found before netlink is asked anything.
expect "accel without an object: usage error" 2 "" "^accel: no object: dev, res or monitor\$" "$accel"
expect "accel foo: usage error" 2 "" "^accel: unknown object 'foo'" "$accel" foo
expect "accel dev frob: usage error" 2 "" "^accel: dev: unknown command 'frob'" "$accel" dev frob
expect "accel -j -x dev: usage error" 2 "" "invalid option -- 'x'" "$accel" -j -x dev
expect "accel help: usage on stdout, exit 0" 0 "^usage: accel " "" "$accel" help
expect "accelinfo -l -v: usage error" 2 "" "^accelinfo: --list goes without" "$accelinfo" -l -v

echo "1..$n"
exit $failed
