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
DEMO="bird2"

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: run as root (apt-get)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $BUILD $RUN $TEST $VM >/dev/null

# bird2 enables and starts a BIRD of the machine's own, on its real
# interfaces. The router demo (labs/routers.yaml) runs its own birds inside
# lab nodes only: on a first install keep the service from starting (a
# policy-rc.d, unless the machine has one) and disable it. A bird2 that was
# already installed is the machine owner's business and stays as it is.
if ! dpkg-query -W -f='${Status}' bird2 2>/dev/null | grep -q 'ok installed'; then
	policy=/usr/sbin/policy-rc.d
	if [ ! -e $policy ]; then
		printf '#!/bin/sh\nexit 101\n' > $policy
		chmod 0755 $policy
		trap 'rm -f $policy' EXIT
	fi
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $DEMO >/dev/null
	if command -v systemctl >/dev/null; then
		systemctl disable --quiet bird.service 2>/dev/null || true
	fi
fi
echo "install-deps: done"
