#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# In-VM: accel-cipher against "openssl enc -nopad" on one device of each
# driver serving cipher.uaccel (vm_cipher covers every device): the six ciphers, lengths around the block and chunk sizes
# (so that the IV is carried across requests), files and pipes, encrypt and
# decrypt, --verify; CBC input that is not whole blocks fails with exit
# status 1 after the whole blocks before it; the default device is one
# serving the facet.
# Expects uaccel_core and uaccel_soft loaded.  usage: test_accel_cipher.sh BUILD_DIR
B=$1
. "$(dirname "$0")/tap.sh"
C="$B/tools/accel-cipher"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

devs=() all=() drivers=" "
for d in /sys/class/uaccel/*; do
	grep -q '^cipher\.uaccel ' "$d/facets" 2> /dev/null || continue
	all+=("$(basename "$d")")
	drv=$(cat "$d/driver")
	[[ $drivers == *" $drv "* ]] && continue
	drivers+="$drv "
	devs+=("$(basename "$d")")
done
if [ ${#devs[@]} -gt 0 ]; then
	ok "devices serving cipher.uaccel: ${devs[*]}"
else
	not_ok "a device serves cipher.uaccel"
fi

iv=f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff
key=603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4
for dev in "${devs[@]}"; do
	for cipher in aes-128-cbc aes-192-cbc aes-256-cbc aes-128-ctr aes-192-ctr aes-256-ctr; do
		bits=${cipher#aes-}
		bits=${bits%%-*}
		k=${key:0:$((bits / 4))}
		for len in 16 65552; do
			case $cipher in *-cbc) len=$((len / 16 * 16)) ;; *) len=$((len + 3)) ;; esac
			head -c "$len" /dev/urandom > "$tmp/in"
			openssl enc -nopad -"$cipher" -K "$k" -iv $iv -in "$tmp/in" -out "$tmp/want"
			# 4096-byte chunks: the IV goes from request to request.
			if "$C" -d "$dev" -a "$cipher" -K "$k" -I $iv -c 4096 -i "$tmp/in" \
				-o "$tmp/got" --verify 2> "$tmp/err" && cmp -s "$tmp/got" "$tmp/want"; then
				ok "$dev $cipher $len bytes in 4096-byte chunks: openssl enc's output"
			else
				not_ok "$dev $cipher $len bytes in 4096-byte chunks: openssl enc's output"
				sed 's/^/#   /' "$tmp/err"
			fi
			# Through pipes, decrypting openssl's output back.
			if "$C" -d "$dev" -a "$cipher" -K "$k" -I $iv -D < "$tmp/want" 2> "$tmp/err" |
				cmp -s - "$tmp/in"; then
				ok "$dev $cipher $len bytes: decrypts openssl enc's output from a pipe"
			else
				not_ok "$dev $cipher $len bytes: decrypts openssl enc's output from a pipe"
				sed 's/^/#   /' "$tmp/err"
			fi
		done
	done
	# No padding: CBC input of 20 bytes writes the first block, then fails.
	head -c 20 /dev/urandom > "$tmp/in"
	"$C" -d "$dev" -a aes-128-cbc -K "${key:0:32}" -I $iv -c 16 -i "$tmp/in" -o "$tmp/got" \
		2> "$tmp/err"
	rc=$?
	is "$dev aes-128-cbc of 20 bytes: exit status 1" "$rc" 1
	is "$dev aes-128-cbc of 20 bytes: the whole block before it written" \
		"$(stat -c %s "$tmp/got")" 16
	if grep -q "CBC input must be a multiple of 16 bytes" "$tmp/err"; then
		ok "$dev aes-128-cbc of 20 bytes: says why"
	else
		not_ok "$dev aes-128-cbc of 20 bytes: says why"
		sed 's/^/#   /' "$tmp/err"
	fi
	# Empty input: empty output.
	"$C" -d "$dev" -a aes-128-ctr -K "${key:0:32}" -I $iv --verify < /dev/null > "$tmp/got"
	is "$dev: empty input, empty output, exit 0" "$?:$(stat -c %s "$tmp/got")" "0:0"
done

# Without -d: a device serving the facet.
head -c 1000 /dev/urandom > "$tmp/in"
out=$("$C" -v -a aes-256-ctr -K "$key" -I $iv -i "$tmp/in" -o "$tmp/got" --verify 2>&1)
rc=$?
is "without -d: exit 0" "$rc" 0
picked=$(printf '%s' "$out" | sed -n 's/^accel-cipher: \([^:]*\): encrypted .*/\1/p')
if [ -n "$picked" ] && [[ " ${all[*]} " == *" $picked "* ]]; then
	ok "without -d: used $picked, which serves cipher.uaccel"
else
	not_ok "without -d: used a device serving cipher.uaccel"
	echo "#   $out"
fi
# A device without the facet: exit 1, ENOENT.
if [ -e /sys/class/uaccel/edu0 ] && ! grep -q '^cipher\.uaccel ' /sys/class/uaccel/edu0/facets; then
	"$C" -d edu0 -a aes-128-ctr -K "${key:0:32}" -I $iv < /dev/null > /dev/null 2> "$tmp/err"
	rc=$?
	is "edu0 (no cipher.uaccel): exit 1" "$rc" 1
	check "edu0: ENOENT on stderr" grep -q "ENOENT" "$tmp/err"
fi
done_testing
