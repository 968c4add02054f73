#!/bin/sh
# Captures real Docker Engine API JSON for the Ipvs.Docker.Tests fixtures. Runs inside `vagrant/lab/run --docker`;
# the web-*.json files in out/ were copied here pretty-printed (python3 -m json.tool), plus events.jsonl.
set -x
out=/var/tmp/docker-fixtures/out
rm -rf "$out"; mkdir -p "$out"
api() { curl -s --unix-socket /run/docker.sock "http://d$1"; }
start=$(date +%s)
docker network create front
docker network create back
R="docker run -d --stop-signal KILL"
$R --name web-bridge --label ipvs.web.vip=10.99.0.10:80 ipvs-lab/busybox httpd -f -p 80 -h /www &
$R --name web-front --network front --label ipvs.web.vip=10.99.0.10:80 --label ipvs.web.network=front ipvs-lab/busybox httpd -f -p 80 -h /www &
$R --name web-published -p 32080:80 -p 127.0.0.1:32081:8081 --label ipvs.web.vip=10.99.0.20:80 --label ipvs.web.address=published ipvs-lab/busybox httpd -f -p 80 -h /www &
wait
$R --name web-multi --network front --label ipvs.web.vip=10.99.0.10:80 ipvs-lab/busybox httpd -f -p 80 -h /www &
$R --name web-healthy --health-cmd true --health-interval 1s --label ipvs.web.vip=10.99.0.10:80 ipvs-lab/busybox httpd -f -p 80 -h /www &
$R --name web-starting --health-cmd true --health-interval 1h --health-start-period 1h --label ipvs.web.vip=10.99.0.10:80 ipvs-lab/busybox httpd -f -p 80 -h /www &
wait
$R --name web-unhealthy --health-cmd false --health-interval 1s --health-retries 1 --label ipvs.web.vip=10.99.0.10:80 ipvs-lab/busybox httpd -f -p 80 -h /www &
$R --name web-paused --label ipvs.web.vip=10.99.0.10:80 --label ipvs.dns.vip=10.99.0.53:53 --label ipvs.dns.protocol=udp ipvs-lab/busybox httpd -f -p 80 -h /www &
wait
docker network connect back web-multi
docker pause web-paused
sleep 5
for c in web-bridge web-front web-multi web-published web-healthy web-starting web-unhealthy web-paused; do
  api /containers/$c/json > "$out/$c.json"
done


api "/events?since=$start&until=$(date +%s)" > "$out/events.jsonl"
docker ps -a
grep -o '"Health":{"Status":"[a-z]*"' "$out"/*.json
ls -la "$out"
