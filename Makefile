# ipvs-agent: build, test (host + the user-mode Linux lab), demo, benchmarks.
# `make demo` and `make test` are the two commands a newcomer runs on a fresh Debian 12 machine;
# both install what they need first (apt packages through vagrant/provision/install-packages.sh).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build

CONFIGURATION ?= Release
DOTNET ?= dotnet
LAB := vagrant/lab/run
RUN_TESTS := tests/run-tests
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

BIN = bin/$(CONFIGURATION)/net10.0
UNIT_TESTS := $(foreach p,Core Engine Netlink Docker Agent Dns,tests/Ipvs.$(p).Tests/$(BIN)/Ipvs.$(p).Tests.dll)
LAB_TESTS := tests/Ipvs.Integration.Tests/$(BIN)/Ipvs.Integration.Tests.dll
LAB_FILTER := -trait- Category=LabDocker
# Tests that need a real dockerd (the Docker source's, and the agent's against dockerd, swarm last) run in a second
# lab boot with --docker; on the host they skip themselves.
LAB_DOCKER_TESTS := tests/Ipvs.Docker.Tests/$(BIN)/Ipvs.Docker.Tests.dll $(LAB_TESTS)
LAB_DOCKER_FILTER := -trait Category=LabDocker

.PHONY: deps build build-all native test test-busy unit-test lab-test lab-selftest demo cluster-demo bench lab-shell vagrant-validate clean

## deps: install the apt packages the lab and the build need (skipped when all are present)
deps:
	vagrant/provision/install-packages.sh --lab

## build: publish the ipvs-agent executable to artifacts/ipvs-agent
build:
	$(DOTNET) publish src/Ipvs.Agent/Ipvs.Agent.csproj -c $(CONFIGURATION) -o artifacts/ipvs-agent --nologo

## build-all: compile the whole solution (sources, tests, benchmarks)
build-all:
	$(DOTNET) build Ipvs.sln -c $(CONFIGURATION) --nologo

## native: the C probe of kernel constants and the C reference IPVS writer
native:
	$(MAKE) -C native

## test: unit tests on the host, then the integration tests inside the lab kernel; one closing line
test: deps native build-all build
	@$(RUN_TESTS) --reset
	$(RUN_TESTS) --script shellcheck tests/shellcheck-all
	$(RUN_TESTS) --script install-packages-test tests/provision/install-packages-test
	$(RUN_TESTS) $(UNIT_TESTS)
	LAB_FILTER='$(LAB_FILTER)' LAB_DOCKER_FILTER='$(LAB_DOCKER_FILTER)' tests/run-lab-suites '$(LAB_TESTS)' '$(LAB_DOCKER_TESTS)'
	$(MAKE) --no-print-directory lab-selftest
	$(RUN_TESTS) --script cluster-tests --where cluster tests/cluster/run-all
	$(RUN_TESTS) --script readme-host-examples tests/readme/host-examples
	@$(RUN_TESTS) --summary

## cluster-demo: three lab kernels with dockerd in one swarm, an agent on each; every node's table, status and traffic
cluster-demo: build
	CLUSTER_SCENARIOS=swarm tests/cluster/run-all

## test-busy: `make test` with one CPU core kept busy (a bounded burner), as on a loaded developer machine
test-busy:
	tests/busy-host $(MAKE) --no-print-directory test

## unit-test: only the host unit tests (fast; no lab), with the shell scripts' lint and the install test
unit-test: native build-all
	@$(RUN_TESTS) --reset
	$(RUN_TESTS) --script shellcheck tests/shellcheck-all
	$(RUN_TESTS) --script install-packages-test tests/provision/install-packages-test
	$(RUN_TESTS) $(UNIT_TESTS)
	@$(RUN_TESTS) --summary

## lab-test: only the integration tests inside the lab
lab-test: build-all build
	@$(RUN_TESTS) --reset
	LAB_FILTER='$(LAB_FILTER)' LAB_DOCKER_FILTER='$(LAB_DOCKER_FILTER)' tests/run-lab-suites '$(LAB_TESTS)' '$(LAB_DOCKER_TESTS)'
	@$(RUN_TESTS) --summary

## lab-selftest: the lab's own contract (exit codes, timeouts, isolation, Docker), recorded in the test summary
lab-selftest:
	$(RUN_TESTS) --script lab-selftest --where lab vagrant/lab/selftest --docker

## demo: boot the lab, start labelled containers, run the agent, show ipvsadm -Ln and traffic through the VIP
demo: deps build
	vagrant/demo/run

## bench: BenchmarkDotNet micro-benchmarks on the host, then the IPVS load comparison inside the lab
bench: deps native build-all build
	$(DOTNET) tests/Ipvs.Benchmarks/$(BIN)/Ipvs.Benchmarks.dll --filter '*' --join --job short --inProcess
	BENCH_CSHARP_DLL=tests/Ipvs.Benchmarks/$(BIN)/Ipvs.Benchmarks.dll BENCH_AGENT=artifacts/ipvs-agent/ipvs-agent tests/Ipvs.Benchmarks/scripts/lab-bench
	if [[ -x tests/Ipvs.Benchmarks/scripts/event-latency ]]; then tests/Ipvs.Benchmarks/scripts/event-latency; fi

## lab-shell: an interactive root shell inside the lab kernel (add LAB_FLAGS=--docker for dockerd)
lab-shell: deps
	$(LAB) $(LAB_FLAGS) -- bash -l

## vagrant-validate: check the 3-node Vagrantfile (installs vagrant without recommends if missing)
vagrant-validate:
	vagrant/validate

clean:
	rm -rf artifacts BenchmarkDotNet.Artifacts
	$(MAKE) -C native clean || true
	find src tests -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
