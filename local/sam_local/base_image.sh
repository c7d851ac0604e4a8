#!/usr/bin/env bash
# Builds the offline stand-in for AWS's python3.13 Lambda base image and tags it (see
# docs/local-development.md, "The stand-in base image"). Called by `python -m sam_local` only when no image
# with that tag exists yet.
#
#   base_image.sh TAG ARCH PIP REQUIREMENTS
#     TAG           the tag to give the image (it carries a digest of this recipe, so a change rebuilds)
#     ARCH          x86_64 or arm64 (the Lambda name of the architecture)
#     PIP           a pip that can reach PyPI (the project's .venv one)
#     REQUIREMENTS  the runtime's own packages, one pin a line (awslambdaric, boto3)
#
# Needs root and debootstrap. The Debian archive is the one this machine's apt already uses: read from apt's
# configuration at run time, never written down here.
set -euo pipefail

tag=$1 arch=$2 pip=$3 requirements=$4
suite=${SAM_LOCAL_DEBIAN_SUITE:-trixie} # the first Debian release whose python3 is 3.13
python_minor=3.13

case "$arch" in
x86_64) deb_arch=amd64 wheel_arch=x86_64 ;;
arm64) deb_arch=arm64 wheel_arch=aarch64 ;;
*) echo "base_image.sh: unknown architecture $arch" >&2; exit 2 ;;
esac

# The archive that serves this machine's own release (its codename), as apt is configured here.
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
archive=$(apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 'Created-By: Packages' 2>/dev/null \
	| awk -v release="$codename" '$1 == release { print $2; exit }')
if [ -z "$archive" ]; then
	echo "base_image.sh: apt has no package index for '$codename' (run apt-get update)" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sam-local-base-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs

echo "  debootstrap --variant=minbase $suite ($deb_arch) from apt's configured archive"
debootstrap --variant=minbase --arch="$deb_arch" --include=python3,ca-certificates \
	"$suite" "$rootfs" "$archive" >"$work/debootstrap.log" 2>&1 || {
	tail -n 20 "$work/debootstrap.log" >&2
	exit 1
}
found=$(chroot "$rootfs" python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$found" != "$python_minor" ]; then
	echo "base_image.sh: Debian $suite ships Python $found, not $python_minor" >&2
	exit 1
fi

# /var/runtime holds what Lambda's python runtime provides besides the interpreter: the runtime interface
# client and boto3. Wheels for the image's architecture and Python, whatever the host runs.
echo "  pip install into /var/runtime: $(grep -v '^#' "$requirements" | xargs)"
"$pip" install --quiet --disable-pip-version-check --no-compile --target "$rootfs/var/runtime" \
	--only-binary=:all: --implementation cp --python-version "$python_minor" \
	--platform "manylinux2014_$wheel_arch" --platform "manylinux_2_28_$wheel_arch" \
	-r "$requirements"

# AWS's image keeps the interpreter in /var/lang/bin; some tools look there.
mkdir -p "$rootfs/var/lang/bin" "$rootfs/var/task" "$rootfs/opt"
ln -sf /usr/bin/python3 "$rootfs/var/lang/bin/python$python_minor"
ln -sf /usr/bin/python3 "$rootfs/var/lang/bin/python3"

# SAM's Runtime Interface Emulator (/var/rapid/aws-lambda-rie, added by SAM on top of this image) starts
# /var/runtime/bootstrap, with the function's handler in _HANDLER, as in AWS's image.
cat >"$rootfs/var/runtime/bootstrap" <<'BOOTSTRAP'
#!/bin/sh
# The python3.13 runtime: the runtime interface client on the function's handler. The path order is
# Lambda's: the function, the layers (/opt/python), then the runtime's own packages.
export PYTHONPATH="/var/task:/opt/python/lib/python3.13/site-packages:/opt/python:/var/runtime"
exec /usr/bin/python3 -m awslambdaric "${_HANDLER:-$AWS_LAMBDA_FUNCTION_HANDLER}"
BOOTSTRAP
chmod 0755 "$rootfs/var/runtime/bootstrap"

# What no function needs goes: a smaller image is cheaper to store, and the vfs storage driver (the fallback)
# copies all of it into every container.
rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
	"$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/info/*

echo "  docker import as $tag"
tar --numeric-owner -C "$rootfs" -c . | docker import \
	--platform "linux/$deb_arch" \
	--change 'ENV LAMBDA_TASK_ROOT=/var/task' \
	--change 'ENV LAMBDA_RUNTIME_DIR=/var/runtime' \
	--change 'ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin:/bin:/opt/bin' \
	--change 'ENV LD_LIBRARY_PATH=/var/lang/lib:/var/runtime:/var/task:/var/task/lib:/opt/lib' \
	--change 'ENV LANG=C.UTF-8' \
	--change 'ENV TZ=:UTC' \
	--change 'WORKDIR /var/task' \
	--change "LABEL org.opencontainers.image.description=\"Stand-in for AWS's python$python_minor Lambda base image: Debian $suite, awslambdaric\"" \
	- "$tag" >/dev/null
