#!/bin/sh
# Install what nsbpf needs to build, run, test and benchmark, from Debian 12's
# packages. Used by the README's first command and by .ci/run.
set -eu

BUILD="make gcc clang llvm pkg-config libbpf-dev libelf-dev zlib1g-dev scdoc \
       libnl-3-dev libnl-route-3-dev libyaml-dev libjansson-dev libcriterion-dev bpftool"
RUN="iproute2 kmod"
TEST="containernetworking-plugins iputils-ping socat jq nftables iptables procps python3 python3-jsonschema python3-yaml \
      bsdutils man-db curl iperf3 traceroute cppcheck clang-format podman crun conmon busybox-static"
VM="qemu-system-x86 cpio busybox-static zstd xz-utils"

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: run as root (apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $BUILD $RUN $TEST $VM >/dev/null
echo "install-deps: done"
