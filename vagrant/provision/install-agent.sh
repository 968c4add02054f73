#!/usr/bin/env bash
# Installs the self-contained ipvs-agent published to artifacts/ipvs-agent
# (`make build` on the host; the repo root is synced to /vagrant) with its
# systemd unit, and starts it. Without a published binary the node is left
# ready for it: run this script again after `make build` and `vagrant
# provision` (or `vagrant rsync` + this script).
#
# Usage: install-agent.sh [PUBLISH_DIR [NODE_ADDRESS]]   (default /vagrant/artifacts/ipvs-agent)
set -euo pipefail

src=${1:-/vagrant/artifacts/ipvs-agent}
node_address=${2:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
prefix=/usr/local/lib/ipvs-agent
unit=/etc/systemd/system/ipvs-agent.service

# The agent resolves IPVS itself (the kernel autoloads ip_vs on a genl
# lookup), but loading it at boot makes `ipvsadm -Ln` work before it runs.
printf 'ip_vs\n' >/etc/modules-load.d/ipvs-agent.conf
modprobe ip_vs || echo "install-agent: modprobe ip_vs failed (is this the VM's kernel?)" >&2

install -m 0644 "$here/ipvs-agent.service" "$unit"
install -d -m 0755 /etc/ipvs-agent
# The unit passes --config explicitly, so a node needs one; an operator's edits are never overwritten.
if [[ ! -e /etc/ipvs-agent/config.yaml ]]; then
    cat >/etc/ipvs-agent/config.yaml <<CONFIG
# ipvs-agent configuration (written once by vagrant/provision/install-agent.sh; edit freely).
# Containers and the services file may only claim VIPs and firewall marks inside these blocks.
allowedVipCidrs: [10.99.0.0/16]
allowedFwmarks: [1-1000]
resyncInterval: 10s
drainTimeout: 30s
${node_address:+nodeAddress: $node_address}
CONFIG
fi
systemctl daemon-reload

if [[ ! -x $src/ipvs-agent ]]; then
    echo "install-agent: no published agent at $src/ipvs-agent; skipping (run 'make build' on the host, then 'vagrant provision')"
    exit 0
fi

# Replace the whole directory: a publish can drop files, and stale ones next
# to a self-contained apphost would be loaded.
tmp=$(mktemp -d "$prefix.new.XXXXXX")
cp -a "$src/." "$tmp/"
chmod 0755 "$tmp" "$tmp/ipvs-agent"
rm -rf "$prefix.old"
[[ ! -e $prefix ]] || mv "$prefix" "$prefix.old"
mv "$tmp" "$prefix"
rm -rf "$prefix.old"
ln -sfn "$prefix/ipvs-agent" /usr/local/bin/ipvs-agent

systemctl enable ipvs-agent.service
systemctl restart ipvs-agent.service
echo "install-agent: ipvs-agent installed to $prefix and started (systemctl status ipvs-agent)"
