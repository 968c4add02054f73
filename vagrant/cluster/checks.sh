# shellcheck shell=bash
# What the cluster scenarios share (sourced): counted checks and bounded polling (vagrant/cluster/selftest-node,
# tests/cluster/*-node).

passed=0 failed=0

# check DESCRIPTION COMMAND...: runs the command, counts it, prints "ok" or "FAIL" with the description.
check() {
    local what=$1
    shift
    if "$@"; then passed=$((passed + 1)); echo "ok   $what"; else failed=$((failed + 1)); echo "FAIL $what" >&2; fi
}

# within SECONDS COMMAND...: polls the command 1 s apart until it succeeds, for at most SECONDS.
within() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 1
    done
}
