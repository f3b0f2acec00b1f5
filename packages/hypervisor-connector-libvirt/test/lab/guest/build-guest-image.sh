#!/usr/bin/env bash
# Builds the lab's tiny guest: Debian's cloud kernel and a busybox initramfs (rootfs/ next to this script, the
# kernel modules it needs, busybox). Usage: build-guest-image.sh CACHE_DIR
#
# CACHE_DIR/debs holds the downloaded .debs, CACHE_DIR/guest the result (vmlinuz, initrd.img and a stamp of the
# inputs). Nothing is done when the stamp matches; a changed script or rootfs file rebuilds the image.
set -euo pipefail

cache=$(realpath -m "$1")
here=$(cd "$(dirname "$0")" && pwd)
debs="$cache/debs"
out="$cache/guest"
# Loaded in this order, each after its dependencies: the power button (evdev, button), the IDE CD-ROM of
# machine `pc` (sr_mod, ata_piix), virtio disks (virtio_pci, virtio_blk), virtio NICs (virtio_net, with
# net_failover and failover) and the cidata filesystems.
modules=(evdev button sr_mod ata_piix virtio_pci virtio_blk virtio_net isofs vfat nls_cp437 nls_ascii)

stamp=$( (cat "$0" && cd "$here/rootfs" && find . -type f | sort | xargs -d '\n' sha256sum) | sha256sum | cut -c1-64)
if [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.img" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi

mkdir -p "$debs" "$out"
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The .deb of PACKAGE in the cache, downloaded when missing (apt's lists are refreshed once if apt knows nothing).
deb_of() {
  local package=$1 file
  file=$(find "$debs" -maxdepth 1 -name "${package}_*.deb" | sort | tail -n 1)
  if [ -z "$file" ]; then
    if ! apt-cache show "$package" >/dev/null 2>&1; then apt-get update -qq; fi
    (cd "$work" && apt-get download -q "$package" >&2)
    file=$(find "$work" -maxdepth 1 -name "${package}_*.deb" | head -n 1)
    [ -n "$file" ] || { echo "build-guest-image: apt-get download $package produced no .deb" >&2; exit 1; }
    mv "$file" "$debs/"
    file="$debs/$(basename "$file")"
  fi
  echo "$file"
}

kernel_meta=linux-image-cloud-amd64
kernel_of() { apt-cache depends "$kernel_meta" 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }'; }
kernel_package=$(kernel_of)
if [ -z "$kernel_package" ]; then
  apt-get update -qq
  kernel_package=$(kernel_of)
fi
[ -n "$kernel_package" ] || { echo "build-guest-image: apt-cache depends $kernel_meta names no kernel" >&2; exit 1; }
dpkg-deb -x "$(deb_of "$kernel_package")" "$work/kernel"
dpkg-deb -x "$(deb_of busybox-static)" "$work/busybox"

kernel_image=$(find "$work/kernel/boot" -name 'vmlinuz-*' | head -n 1)
module_root=$(find "$work/kernel/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n 1)
[ -n "$kernel_image" ] && [ -n "$module_root" ] || { echo "build-guest-image: no kernel in $kernel_package" >&2; exit 1; }

# Module name (dashes read as underscores, as the kernel does) -> its .ko file.
declare -A module_file
while IFS= read -r file; do
  name=${file##*/}
  name=${name%.ko}
  module_file[${name//-/_}]=$file
done < <(find "$module_root" -name '*.ko')

root="$work/root"
mkdir -p "$root"/{bin,dev,etc,lib/modules,mnt,proc,run,sbin,sys,tmp,usr/bin,usr/sbin}
cp -R "$here/rootfs/." "$root/"
chmod +x "$root/etc/rc" "$root/etc/cidata" "$root/etc/ready" "$root/etc/dhcp" "$root/etc/acpi/PWRF/00000080" \
  "$root/usr/share/udhcpc/default.script"
mknod -m 600 "$root/dev/console" c 5 1

# Copies a module after its dependencies (read from the module's own .modinfo `depends=`), once each.
declare -A loaded
add_module() {
  local name=${1//-/_} file depends dependency
  [ -n "${loaded[$name]:-}" ] && return
  file=${module_file[$name]:-}
  [ -n "$file" ] || { echo "build-guest-image: kernel module $name not found under $module_root" >&2; exit 1; }
  depends=$(tr '\0' '\n' <"$file" | sed -n 's/^depends=//p' | head -n 1)
  for dependency in ${depends//,/ }; do add_module "$dependency"; done
  loaded[$name]=1
  cp "$file" "$root/lib/modules/$name.ko"
  echo "$name" >>"$root/etc/modules"
}
for module in "${modules[@]}"; do add_module "$module"; done

# The applet links are made by the guest itself at boot (`busybox --install -s` in /etc/rc): one process
# instead of hundreds of `ln` here.
cp "$work/busybox/bin/busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
ln -s bin/busybox "$root/init"

(cd "$root" && find . | "$root/bin/busybox" cpio -o -H newc 2>/dev/null) | gzip >"$work/initrd.img"
cp "$kernel_image" "$work/vmlinuz"
echo "$stamp" >"$work/stamp"
# Renames keep a concurrent reader from seeing half a file; the stamp goes last.
mv "$work/vmlinuz" "$out/vmlinuz"
mv "$work/initrd.img" "$out/initrd.img"
mv "$work/stamp" "$out/stamp"
