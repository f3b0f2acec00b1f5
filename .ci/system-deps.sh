#!/usr/bin/env bash
# Debian packages the tests need (real servers started on loopback by the tests themselves).
# Fails loudly: a missing server is a failed run, never a skipped test.
set -euo pipefail
# postgresql: the storage suite and the multi-replica test start a throwaway cluster (initdb/pg_ctl) on loopback.
# The libvirt lab (packages/hypervisor-connector-libvirt/test/lab) starts libvirtd daemons and QEMU guests:
#   libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils: the daemons, virsh, QEMU, qemu-img;
#   openssl: its throwaway TLS CA; openssh-server (and ssh-keygen from openssh-client): its sshd for qemu+ssh;
#   netcat-openbsd: the `nc -U` the qemu+ssh transport runs on the SSH host; xorriso: cidata ISO images;
#   genisoimage (isoinfo) and xorriso: the kit's cloud-init tests read the ISO-9660 images it writes back with both;
#   python3-yaml: those tests parse the seed's YAML with PyYAML, the parser cloud-init itself uses;
#   dnsmasq-base: the DHCP server of the lab's isolated libvirt network (in a network namespace of its own), whose
#   leases the guest-address tests read back;
#   unshare, mount and hostname come with every Debian system; the guest's kernel and busybox-static are
#   downloaded as .debs at test time (apt-get download), not installed.
packages=(postgresql curl libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils openssl
  openssh-server openssh-client netcat-openbsd xorriso genisoimage python3-yaml dnsmasq-base)
[ ${#packages[@]} -eq 0 ] && exit 0
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
