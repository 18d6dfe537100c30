/**
 * Disposable Linux hosts for end-to-end tests: each is a Debian bookworm container in its own
 * network namespace, reachable from the test process at 10.200.N.2, with sshd, sudo and Debian's
 * docker.io installed, so the product can provision it the way it would provision a real server.
 *
 * - A `systemd` host boots the image with systemd-nspawn: systemd is PID 1 and docker.service is
 *   enabled, as after `apt install docker.io` on a stock Debian.
 * - A `no-init` host runs the same image with no init system: tini is PID 1 (it only reaps
 *   zombies) and sshd runs as a daemon, so the product has to start dockerd by itself.
 *
 * The image is made once with debootstrap and cached; every host gets a copy-on-write overlay of
 * it, fresh sshd host keys and a fresh machine id, and leaves nothing behind when stopped.
 *
 * Why the container is set up as it is (all of it was needed for dockerd to run containers inside):
 * - `--capability=all`: dockerd and runc need CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_MODULE... and
 *   nspawn's default set drops several.
 * - `--system-call-filter=@keyring`: nspawn's seccomp filter blocks the keyring calls, because the
 *   kernel keyring is not namespaced; runc creates a session keyring for every container and
 *   fails with "unable to join session keyring: operation not permitted" without them.
 * - cgroup v1 controllers: nspawn mounts them read-only inside the container (only systemd's own
 *   hierarchy is writable), and runc then fails with "mkdir /sys/fs/cgroup/cpuset/docker:
 *   read-only file system". The image remounts them read-write (bind remount, because the memory
 *   controller is a bind mount of a sub-cgroup) before containerd and dockerd start; see
 *   `cgroupsScript`. On a host with only cgroup v2 there is nothing to remount.
 * - Each host runs in cgroups of its own (`mt-…` under the test process's cgroups). nspawn,
 *   started outside any systemd unit with `--keep-unit`, would otherwise create `payload/` and
 *   `supervisor/` at the root of the systemd hierarchy, shared by every container, and dockerd's
 *   `/docker/<id>` cgroups would land in the machine's root cgroups. It also gives `stop()` a
 *   complete list of processes to kill: SIGKILL to nspawn leaves the container running.
 * - `/var/lib/docker` is a bind mount of a per-host directory on the real file system: overlay2
 *   cannot use an overlayfs as its backing file system, and dockerd would fall back to vfs,
 *   which copies every layer.
 * - Daemons in the host's namespace are entered with nsenter on the container's PID 1, never
 *   `ip netns exec`, which remounts /sys and makes dockerd fail with "Devices cgroup isn't
 *   mounted".
 */

// The parts, one module each under hosts/: image.ts (the debootstrap image, the busybox tar),
// network.ts (the test network, sysctls), cgroups.ts, claims.ts (host records, stale cleanup,
// the allocation lock), process.ts (run, locks, /proc), host.ts (startTestHost).
export {busyboxImageTar, ensureRootfs, needpwPassword} from './hosts/image.js';
export {machineIpForward, restoreHostForwarding, setMachineIpForward, tcpAnswers} from './hosts/network.js';
export {startTestHost, testHostsAvailable, type StartTestHostOptions, type TestHost, type TestHostKind, type TestHostUser} from './hosts/host.js';
export type {ExecResult} from './hosts/process.js';
