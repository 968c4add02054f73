#!/usr/bin/env bash
# Installs the Debian 12 packages one kind of machine needs; shared by the
# lab/CI host setup (Makefile, .ci/run) and the Vagrant nodes.
#
# Usage: install-packages.sh --lab | --vm [--check]
#   --lab    a dev/CI host that runs vagrant/lab/run (user-mode Linux kernel
#            with IPVS modules, Docker binaries for --docker guests)
#   --vm     a cluster node of vagrant/Vagrantfile (Docker engine, ipvsadm)
#   --check  install nothing; exit 1 and name what is missing
#
# Idempotent and offline when nothing is missing: apt is not touched at all
# then (~0.1 s), and `apt-get update` runs only when something must be
# installed. Needs root.
set -euo pipefail

# What vagrant/lab/run and its selftest use, each for a reason:
#   user-mode-linux  the kernel (/usr/bin/linux.uml) and its modules
#   kmod             modprobe, for the guest's module autoloader
#   ipvsadm          IPVS CLI used by tests and the selftest
#   busybox-static   cheap guest helpers and the offline container image
#   iptables         xtables-legacy-multi (the UML kernel has no nf_tables)
#   docker.io containerd runc  the guest's Docker engine (--docker)
#   curl             dockerd readiness + image import inside the guest
#   iproute2         ip, ip netns for guest networking
#   procps util-linux coreutils  ps/sysctl, setpriv/unshare/setsid, timeout
#   python3          python3 -m http.server backends in lab scenarios
#   gcc libc6-dev    native/: the kernel-constant probe and the C reference writer
#   clang zlib1g-dev `make build`: the agent is compiled ahead of time (NativeAOT), which links with clang
#   (shellcheck)     the linter `make test` runs over every shell script here
#   openssl          the tests make their own TLS certificates (Docker endpoints over TCP)
#   uml-utilities    uml_switch: the virtual Ethernet that joins vagrant/cluster/run's nodes
#   bind9-dnsutils   dig, to query the agent's service-name DNS responder in lab tests
#   dnsmasq-base     a real upstream resolver for the responder's forwarding in lab tests
lab_packages=(user-mode-linux kmod ipvsadm busybox-static iptables docker.io containerd runc
    curl iproute2 procps util-linux coreutils python3 gcc libc6-dev clang zlib1g-dev shellcheck openssl
    uml-utilities bind9-dnsutils dnsmasq-base)
# A node runs the self-contained agent (no .NET runtime), Docker for the
# labelled containers it watches, and ipvsadm to look at the result.
# libicu72: the .NET runtime's globalization, unless published invariant.
vm_packages=(docker.io containerd runc ipvsadm kmod iproute2 iptables curl ca-certificates libicu72)

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 2
}

mode=""
check=0
for arg in "$@"; do
    case $arg in
    --lab | --vm) mode=${arg#--} ;;
    --check) check=1 ;;
    -h | --help) usage ;;
    *) echo "install-packages: unknown argument '$arg'" >&2; usage ;;
    esac
done
[[ -n $mode ]] || usage

if [[ $mode == lab ]]; then packages=("${lab_packages[@]}"); else packages=("${vm_packages[@]}"); fi

missing=()
for p in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
    echo "install-packages: all ${#packages[@]} $mode packages present"
    exit 0
fi
if ((check)); then
    echo "install-packages: missing $mode packages: ${missing[*]}" >&2
    exit 1
fi
if ((EUID != 0)); then
    echo "install-packages: missing ${missing[*]}; run as root to install them" >&2
    exit 1
fi

# A lab host must not start the Docker engine it installs: the lab runs its
# own daemons inside each guest, and a host dockerd would rewrite the host's
# iptables. invoke-rc.d and deb-systemd-invoke both honour policy-rc.d
# (exit 101 = "do not start"). An existing policy (container images ship
# one) is left alone.
# INSTALL_PACKAGES_POLICY points elsewhere only for the script's own tests.
policy=${INSTALL_PACKAGES_POLICY:-/usr/sbin/policy-rc.d}
own_policy=0
if [[ $mode == lab && ! -e $policy ]]; then
    printf '#!/bin/sh\n# install-packages.sh --lab: no service starts during this install\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
fi
# An `if`, not `((own_policy)) && rm`: as the last command of an EXIT trap under `set -e`, a false
# `((...))` would become the script's exit status and fail a successful install.
cleanup() {
    if ((own_policy)); then rm -f "$policy"; fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
echo "install-packages: installing ${missing[*]}"
start=$SECONDS
if ! apt-get update -q; then
    echo "install-packages: 'apt-get update' failed; nothing was installed" >&2
    exit 1
fi
if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    echo "install-packages: 'apt-get install' of ${missing[*]} failed" >&2
    exit 1
fi
echo "install-packages: installed ${#missing[@]} packages in $((SECONDS - start)) s"

# On a host with systemd the units are enabled by the install even though
# nothing started them now; keep them off so a reboot does not start them.
if [[ $mode == lab && -d /run/systemd/system ]] && [[ " ${missing[*]} " == *" docker.io "* ]]; then
    systemctl disable docker.service docker.socket containerd.service >/dev/null 2>&1 || true
    echo "install-packages: docker.io installed with its host services disabled (the lab runs its own)"
fi
