#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# In the guest (capture-reports puts it there): make neoos_splat trigger
# every kind of report, between markers in the kernel log, then print
# the log between lines capture-reports looks for.
# lockdep first: KASAN's report taints the kernel in a way that turns it off.
KINDS="lockdep kasan kfence ubsan listdebug refcount odebug debugvm softlockup hungtask oops"

insmod ./neoos_splat.ko || exit 1
# KFENCE samples every 10 ms, from an emptier pool than boot left it.
echo 10 > /sys/module/kfence/parameters/sample_interval
for k in $KINDS; do
	# Reports within seconds, and only in their own kind's window: a
	# soft lockup after 2 s, a hung task after 2 s.
	case $k in
	softlockup) echo 1 > /proc/sys/kernel/watchdog_thresh ;;
	hungtask)
		echo 10 > /proc/sys/kernel/watchdog_thresh
		echo 2 > /proc/sys/kernel/hung_task_timeout_secs
		[ -e /proc/sys/kernel/hung_task_check_interval_secs ] &&
			echo 1 > /proc/sys/kernel/hung_task_check_interval_secs
		;;
	esac
	echo "neoos-splat: BEGIN $k" > /dev/kmsg
	# a subshell: the oops kills the task that writes
	(echo "$k" > /sys/module/neoos_splat/parameters/trigger)
	sleep 2
	echo "neoos-splat: END $k" > /dev/kmsg
done
echo "-----BEGIN KERNEL LOG-----"
dmesg
echo "-----END KERNEL LOG-----"
