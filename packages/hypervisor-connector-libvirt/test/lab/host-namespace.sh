#!/usr/bin/env bash
# Runs inside `unshare --mount --uts --propagation private`: gives this mount namespace libvirt's five state
# directories from HOST_DIR, a /dev without kvm, its own /etc/hosts and host name, then becomes the command
# (libvirtd), keeping the pid. With --own-network, it runs in a network namespace of its own too
# (`unshare --net`): its loopback is brought up, so the daemon can listen there.
# Usage: host-namespace.sh [--own-network] HOST_DIR HOST_NAME HOSTS_FILE COMMAND [ARG]...
set -euo pipefail
own_network=false
if [ "$1" = --own-network ]; then
  own_network=true
  shift
fi
host_dir=$1 host_name=$2 hosts_file=$3
shift 3

hostname "$host_name"
# Only ever in a namespace of its own: the machine's interfaces are never touched.
if $own_network; then ip link set lo up; fi
mount --bind "$hosts_file" /etc/hosts
for pair in etc:/etc/libvirt lib:/var/lib/libvirt run:/run/libvirt cache:/var/cache/libvirt log:/var/log/libvirt; do
  [ -d "${pair#*:}" ] || mkdir -p "${pair#*:}"
  mount --bind "$host_dir/${pair%%:*}" "${pair#*:}"
done

# A private /dev: the usual character devices bound from the real one, its own devpts and shm, and no kvm, so
# the daemon offers only TCG guests (the machine's /dev/kvm is a nested device stock kernels hang on).
dev="$host_dir/dev"
mount -t tmpfs -o mode=0755,nosuid tmpfs "$dev"
for node in null zero full random urandom tty net/tun fuse; do
  [ -e "/dev/$node" ] || continue
  case $node in */*) mkdir -p "$dev/${node%/*}" ;; esac
  : >"$dev/$node"
  mount --bind "/dev/$node" "$dev/$node"
done
mkdir "$dev/pts" "$dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$dev/pts"
ln -s pts/ptmx "$dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$dev/shm"
ln -s /proc/self/fd "$dev/fd"
ln -s /proc/self/fd/0 "$dev/stdin"
ln -s /proc/self/fd/1 "$dev/stdout"
ln -s /proc/self/fd/2 "$dev/stderr"
mount --move "$dev" /dev

# libvirtd keeps whatever it inherits open for its whole life (a lock held by the starter stays held): close
# every descriptor above stderr before it starts (bash's own script descriptor, 255, closes itself at exec).
for fd in /proc/self/fd/*; do
  fd=${fd##*/}
  if [ "$fd" -gt 2 ] && [ "$fd" -ne 255 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
done
exec "$@"
