#!/usr/bin/env bash
# The real-host tests use Debian's dockerd, sshd, tmux and openssl. As root on Debian, install
# whatever is missing (once; later runs find them); otherwise say what those tests need.
set -euo pipefail
needed=()
command -v dockerd >/dev/null 2>&1 || [ -x /usr/sbin/dockerd ] || needed+=(docker.io)
[ -x /usr/sbin/sshd ] || needed+=(openssh-server)
command -v tmux >/dev/null 2>&1 || needed+=(tmux)
command -v openssl >/dev/null 2>&1 || needed+=(openssl)
command -v ip >/dev/null 2>&1 || needed+=(iproute2)
command -v ssh >/dev/null 2>&1 || needed+=(openssh-client)
command -v systemd-nspawn >/dev/null 2>&1 || needed+=(systemd-container)
command -v debootstrap >/dev/null 2>&1 || needed+=(debootstrap)
# The completion scripts are tested in the shells they are for, and the bash one by shellcheck.
[ -f /usr/share/bash-completion/bash_completion ] || needed+=(bash-completion)
command -v shellcheck >/dev/null 2>&1 || needed+=(shellcheck)
# The shells whose `env --shell` output is run for real, and what scp -d and mount hand off to.
for shell in zsh fish tcsh dash; do command -v $shell >/dev/null 2>&1 || needed+=($shell); done
# Quoting for remote shells is checked in busybox sh too (what boot2docker-like images run).
command -v busybox >/dev/null 2>&1 || needed+=(busybox)
command -v rsync >/dev/null 2>&1 || needed+=(rsync)
command -v sshfs >/dev/null 2>&1 || needed+=(sshfs)
command -v iptables >/dev/null 2>&1 || needed+=(iptables)
# The local apt repository of docker.io that hosts without Docker install from: its index and signature.
command -v dpkg-scanpackages >/dev/null 2>&1 || needed+=(dpkg-dev)
command -v gpg >/dev/null 2>&1 || needed+=(gpg)
command -v gpgconf >/dev/null 2>&1 || needed+=(gpgconf)
# The qemu driver's VM tests: QEMU itself, and what builds their bootable image and reads seeds.
command -v qemu-system-x86_64 >/dev/null 2>&1 || needed+=(qemu-system-x86)
command -v qemu-img >/dev/null 2>&1 || needed+=(qemu-utils)
# --qemu-arch aarch64: its QEMU and UEFI firmware, which the always-run arm64 firmware boot test starts.
command -v qemu-system-aarch64 >/dev/null 2>&1 || needed+=(qemu-system-arm)
[ -f /usr/share/AAVMF/AAVMF_CODE.fd ] || needed+=(qemu-efi-aarch64)
# The arm64 test image is built from Debian's arm64 packages, its programs run through binfmt_misc.
command -v qemu-aarch64-static >/dev/null 2>&1 || needed+=(qemu-user-static)
command -v update-binfmts >/dev/null 2>&1 || needed+=(binfmt-support)
# virtiofsd serves the qemu driver's default share: QEMU 7 ships it (Debian 12: /usr/lib/qemu),
# later Debian has it as a package of its own (/usr/libexec).
if command -v qemu-system-x86_64 >/dev/null 2>&1 && [ ! -x /usr/lib/qemu/virtiofsd ] && [ ! -x /usr/libexec/virtiofsd ]; then needed+=(virtiofsd); fi
command -v syslinux >/dev/null 2>&1 || needed+=(syslinux)
[ -f /usr/lib/syslinux/mbr/mbr.bin ] || needed+=(syslinux-common)
command -v mcopy >/dev/null 2>&1 || needed+=(mtools)
command -v mkfs.vfat >/dev/null 2>&1 || needed+=(dosfstools)
command -v sfdisk >/dev/null 2>&1 || needed+=(fdisk)
command -v isoinfo >/dev/null 2>&1 || needed+=(genisoimage)
# The driver plugin tests build their Go fixtures (a test plugin, the gob table) with Go's standard library.
command -v go >/dev/null 2>&1 || needed+=(golang-go)
# The VBoxManage simulator's host-only DHCP servers.
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || needed+=(dnsmasq-base)
if [ ${#needed[@]} -eq 0 ]; then
	:
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "test setup: installing ${needed[*]} for the real-host tests"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends "${needed[@]}" >/dev/null
else
	echo "test setup: the real-host tests need root and: ${needed[*]} (apt-get install -y ${needed[*]}); they will be skipped"
fi
# The Debian image the test hosts boot (about two minutes) and the local docker.io repository
# (about 80 MB from Debian's mirror): built once, then cached.
node --import=tsx "$(dirname "$0")/prepare-hosts.ts"
# The Debian cloud image the qemu tests boot: built once (a few minutes), then cached.
node --import=tsx "$(dirname "$0")/prepare-vm-image.ts"
