#!/bin/sh
# Captures real swarm-manager Engine API JSON (services, tasks, nodes) for the Ipvs.Docker.Tests fixtures.
# Runs inside `vagrant/lab/run --docker`; swarm is slow there (minutes). services, tasks and nodes were copied to swarm/.
set -x
out=/var/tmp/docker-fixtures/out-swarm
rm -rf "$out"; mkdir -p "$out"
api() { curl -s --unix-socket /run/docker.sock "http://d$1"; }
ip link add swarm0 type dummy && ip addr add 192.168.77.1/24 dev swarm0 && ip link set swarm0 up
docker swarm init --advertise-addr 192.168.77.1 || exit 1
docker network create -d overlay backend
C="docker service create --detach --no-resolve-image --stop-signal KILL"
$C --name web --replicas 2 --network backend --label ipvs.web.vip=10.99.0.10:80 --label ipvs.web.network=backend ipvs-lab/busybox httpd -f -p 80 -h /www
$C --name pub --replicas 1 --publish 30080:80 --label ipvs.pub.vip=10.99.0.20:80 --label ipvs.pub.address=published ipvs-lab/busybox httpd -f -p 80 -h /www
$C --name hostpub --mode global --publish mode=host,target=80,published=31080 --label ipvs.hostpub.vip=10.99.0.30:80 --label ipvs.hostpub.address=published ipvs-lab/busybox httpd -f -p 80 -h /www
for _ in $(seq 1 120); do
  running=$(docker service ls --format '{{.Replicas}}' | tr '\n' ' ')
  echo "replicas: $running"
  case "$running" in "2/2 1/1 1/1 "|"2/2 1/1 1/1"|"1/1 2/2 1/1 "|"1/1 1/1 2/2 ") break;; esac
  [ "$(docker service ls --format '{{.Replicas}}' | grep -c -v -E '^([0-9]+)/\1$')" = 0 ] && break
  sleep 5
done
docker service ps --no-trunc web pub hostpub
api /services > "$out/services.json"
api '/tasks?filters=%7B%22desired-state%22%3A%5B%22running%22%5D%7D' > "$out/tasks.json"
api /nodes > "$out/nodes.json"
api /info > "$out/info.json"
ls -la "$out"
