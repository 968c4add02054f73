#!/bin/sh
# Runs the swarm lab test: vagrant/lab/run --docker -- tests/Ipvs.Docker.Tests/Fixtures/lab-swarm.sh TESTS_DLL
set -e
ip link add swarm0 type dummy && ip addr add 192.168.77.1/24 dev swarm0 && ip link set swarm0 up
docker swarm init --advertise-addr 192.168.77.1 >/dev/null
docker network create -d overlay backend >/dev/null
docker service create --detach --no-resolve-image --stop-signal KILL --name web --replicas 2 --network backend \
    --label ipvs.web.vip=10.99.0.10:80 --label ipvs.web.network=backend ipvs-lab/busybox httpd -f -p 80 -h /www >/dev/null
for _ in $(seq 1 120); do
    [ "$(docker service ls --filter name=web --format '{{.Replicas}}')" = "2/2" ] && break
    sleep 5
done
exec dotnet "$1" -method '*ListAsync_SwarmManager_DeclaresTheServicesRunningTasks'
