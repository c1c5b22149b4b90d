#!/bin/sh
# accel.sh ACCEL -- print the QEMU accelerator to use for ACCEL=auto|kvm|tcg: "kvm" or "tcg".
# auto takes KVM when /dev/kvm opens, except on a PVM host (/sys/module/kvm_pvm): PVM runs a
# 32-bit guest by emulating each instruction (~1000x slower than TCG), so TCG is the faster choice.
want=${1:-auto}
case $want in
kvm|tcg) echo "$want"; exit 0 ;;
auto) ;;
*) echo "accel.sh: ACCEL must be auto, kvm or tcg (got '$want')" >&2; exit 2 ;;
esac
if [ -e /dev/kvm ] && { : < /dev/kvm; } 2>/dev/null && [ -w /dev/kvm ]; then
	if [ -d /sys/module/kvm_pvm ]; then
		echo "note: /dev/kvm is PVM, which emulates 32-bit guests instruction by instruction; using TCG (ACCEL=kvm forces it)" >&2
		echo tcg
	else
		echo kvm
	fi
else
	echo tcg
fi
