#!/usr/bin/env bash
# Runs "$@" with a Docker engine (make sam-local; see docs/local-development.md, "The Docker engine").
#
# - An engine already answers (Docker Desktop, a dockerd service, DOCKER_HOST): it is used as it is.
# - None does, and this is Debian as root (CI is): Debian's docker.io is installed if missing and a dockerd of
#   this run's own is started (its data, socket and pid file under .sam-local/docker), on a bridge in the
#   reserved benchmark range 198.18.0.0/24 (never a private or public range), without iptables rules, with
#   the overlay2 storage driver where the kernel and the data root's file system take it, else vfs (works in
#   any nested VM, but copies a whole image per layer and per container); it is stopped when "$@" ends,
#   however it ends. SAM_LOCAL_STORAGE_DRIVER=vfs (or overlay2) chooses one.
# - Otherwise: a message saying what is missing, and exit 69 (EX_UNAVAILABLE), before anything starts.
set -Eeuo pipefail
# A command that fails ends the run; say which, rather than make's bare "Error 1".
trap 'code=$?; echo "make sam-local: ${0##*/} line $LINENO: \"$BASH_COMMAND\" failed (exit $code)" >&2' ERR

EXIT_NO_ENGINE=69
BRIDGE_CIDR=198.18.0.1/24
root=$(cd "$(dirname "$0")/../.." && pwd)
state=$root/.sam-local/docker
socket=$state/docker.sock
pidfile=$state/dockerd.pid

engine_answers() {
	command -v docker >/dev/null 2>&1 && docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

debian_root() {
	local id
	id=$(. /etc/os-release 2>/dev/null && echo "${ID:-}")
	[ "$id" = debian ] && [ "$(id -u)" -eq 0 ]
}

# Installs Debian packages without letting their maintainer scripts start a service: a dockerd started by
# the package would bring its default bridge in a private range.
apt_install() {
	local missing=() package policy=/usr/sbin/policy-rc.d placed=0
	for package in "$@"; do
		dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	echo "installing Debian packages: ${missing[*]}"
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && placed=1
	fi
	apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
		[ "$placed" -eq 1 ] && rm -f "$policy"
		return 1
	}
	[ "$placed" -eq 1 ] && rm -f "$policy"
	return 0
}

if debian_root; then
	apt_install debootstrap # for the stand-in base image
fi

if engine_answers; then
	echo "Docker engine: already running (server $(docker version --format '{{.Server.Version}}'))"
	exec "$@"
fi

if ! debian_root; then
	os=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-unknown}" || uname -s)
	cat >&2 <<MESSAGE
make sam-local: no Docker engine is running, and this machine cannot start one for the run.
  missing: a Docker engine answering \`docker version\` (${DOCKER_HOST:-the default socket}).
  starting one here needs Debian and root; this is ${os}, user id $(id -u).
  Start Docker (Docker Desktop, or your dockerd) and run make sam-local again.
MESSAGE
	exit "$EXIT_NO_ENGINE"
fi

apt_install docker.io

# A dockerd left by an interrupted run of ours (its pid file, its data root): stopped first.
stop_dockerd() {
	local pid
	pid=$(cat "$pidfile" 2>/dev/null || true)
	[ -n "$pid" ] && grep -qF -- "$state/data" "/proc/$pid/cmdline" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 1 60); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$pidfile"
}

# dockerd bind-mounts its data root onto itself and does not always undo it (a daemon that failed to start,
# one killed): left, the mount keeps .sam-local/ from being removed.
unmount_state() {
	local target
	command -v findmnt >/dev/null 2>&1 || return 0
	findmnt -rn -o TARGET | { grep -F -- "$state/" || true; } | sort -r | while read -r target; do
		umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null || true
	done
}
stop_dockerd
unmount_state

bridge_existed=0
ip link show docker0 >/dev/null 2>&1 && bridge_existed=1
mkdir -p "$state"
dockerd_pid=

start_dockerd() {
	dockerd --bip "$BRIDGE_CIDR" --iptables=false --ip-masq=false --ip-forward=false --storage-driver "$1" \
		--data-root "$state/data" --exec-root "$state/exec" --pidfile "$pidfile" -H "unix://$socket" \
		>"$state/dockerd.log" 2>&1 &
	dockerd_pid=$!
}

finish() {
	local code=$?
	if [ -n "$dockerd_pid" ]; then
		echo "stopping the Docker engine this run started (dockerd pid $dockerd_pid)"
		stop_dockerd
		kill -0 "$dockerd_pid" 2>/dev/null && kill -KILL "$dockerd_pid" 2>/dev/null
		wait "$dockerd_pid" 2>/dev/null || true
	fi
	unmount_state
	if [ "$bridge_existed" -eq 0 ] && ip link show docker0 >/dev/null 2>&1; then
		ip link delete docker0 || true
	fi
	exit "$code"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export DOCKER_HOST=unix://$socket

# 0: the engine answers; 1: dockerd exited (the driver refused, say); 2: no answer within 60 s.
await_engine() {
	for _ in $(seq 1 120); do
		engine_answers && return 0
		kill -0 "$dockerd_pid" 2>/dev/null || return 1
		sleep 0.5
	done
	engine_answers && return 0
	return 2
}

# overlay2 shares image layers between builds and containers; vfs copies them, which makes each
# `sam local invoke` (SAM rebuilds its image on every invoke, the template having a layer of its own) slower.
drivers=${SAM_LOCAL_STORAGE_DRIVER:-overlay2 vfs}
driver=
for candidate in $drivers; do
	start_dockerd "$candidate"
	outcome=0
	await_engine || outcome=$?
	if [ "$outcome" -eq 0 ]; then
		driver=$candidate
		break
	fi
	if [ "$outcome" -eq 2 ]; then
		echo "make sam-local: dockerd did not answer within 60 s" >&2
		exit 1
	fi
	wait "$dockerd_pid" 2>/dev/null || true
	unmount_state
	echo "Docker engine: dockerd would not start with the $candidate storage driver; the end of its log:"
	tail -n 1 "$state/dockerd.log" | sed 's/^/  /'
	dockerd_pid=
done
if [ -z "$driver" ]; then
	echo "make sam-local: dockerd did not start (storage drivers tried: $drivers); see $state/dockerd.log" >&2
	exit 1
fi
echo "Docker engine: started dockerd (pid $dockerd_pid, bridge $BRIDGE_CIDR, $driver storage, no iptables; $DOCKER_HOST)"
# Its own exit code (1 a check failed, 2 a setup step failed), which its own output explains.
"$@" || exit $?
