#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# podman-env.sh DIR PLUGIN: a podman of the test's own in DIR, run through
# podman.sh DIR: the CNI network backend with a config dir holding only
# "labnet" (the nsbpf plugin PLUGIN, installed as DIR/cni/nsbpf, next to
# Debian's /usr/lib/cni for host-local), vfs storage in DIR, and an image
# localhost/nsbpf-bb imported from a rootfs of busybox-static (no registry).
# Run inside the test's private mount namespace: it mounts over what podman
# would otherwise share with the machine.
set -eu
d=$1
plugin=$2

# Private: podman's lock segment (/dev/shm/libpod_lock), libcni's cache
# (/var/lib/cni) and podman's blob cache (/var/lib/containers), copies.
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /var/lib
mount -t tmpfs tmpfs /var/tmp
# crun refuses hybrid cgroups (v1 + a v2 with controllers) even with
# cgroups disabled; seen alone, the v2 hierarchy is what it supports.
if [ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ] &&
	[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
	umount -R /sys/fs/cgroup
	mount -t cgroup2 cgroup2 /sys/fs/cgroup
fi

mkdir -p "$d/cni" "$d/net.d" "$d/root" "$d/runroot" "$d/tmp" "$d/ipam" "$d/rootfs"
ln -sf "$plugin" "$d/cni/nsbpf"
# Rlimits no higher than ours: without CAP_SYS_RESOURCE crun cannot raise them.
nofile=$(ulimit -Hn)
if [ "$nofile" = unlimited ] || [ "$nofile" -gt 1048576 ]; then
	nofile=1048576
fi
cat >"$d/containers.conf" <<CONF
[containers]
cgroups = "disabled"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=4096:4096"]
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$d/events.log"
image_copy_tmp_dir = "$d/tmp"
runtime = "crun"
tmp_dir = "$d/tmp"
[network]
network_backend = "cni"
network_config_dir = "$d/net.d"
cni_plugin_dirs = ["$d/cni", "/usr/lib/cni"]
CONF
cat >"$d/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$d/root"
runroot = "$d/runroot"
CONF
cat >"$d/net.d/labnet.conflist" <<CONF
{"cniVersion": "1.0.0", "name": "labnet",
 "plugins": [{"type": "nsbpf", "ipMasq": true,
   "ipam": {"type": "host-local", "dataDir": "$d/ipam",
            "ranges": [[{"subnet": "10.88.0.0/16"}]], "routes": [{"dst": "0.0.0.0/0"}]},
   "capabilities": {"portMappings": true}}]}
CONF

r=$d/rootfs
mkdir -p "$r/bin" "$r/www" "$r/etc" "$r/proc" "$r/sys" "$r/dev" "$r/tmp"
cp /bin/busybox "$r/bin/busybox"
for a in sh httpd wget sleep cat ip; do ln -sf busybox "$r/bin/$a"; done
echo page-of-b >"$r/www/index.html"
tar -C "$r" -cf "$d/rootfs.tar" .
"$(dirname "$0")/podman.sh" "$d" import -q "$d/rootfs.tar" localhost/nsbpf-bb:1 >/dev/null
