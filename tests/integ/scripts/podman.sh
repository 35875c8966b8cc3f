#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# podman.sh DIR ARGS...: podman ARGS with the configuration podman-env.sh
# wrote in DIR and nothing of the machine's, bounded to 60 s.
d=$1
shift
export CONTAINERS_CONF="$d/containers.conf" CONTAINERS_STORAGE_CONF="$d/storage.conf" \
	CONTAINERS_REGISTRIES_CONF=/dev/null
exec timeout -k 5 60 podman --root "$d/root" --runroot "$d/runroot" --storage-driver vfs "$@"
