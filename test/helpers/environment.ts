/**
 * Runs in every test worker before its test file (ava's `require`), so that no test borrows the
 * environment of whoever runs the suite. Each test that needs a setting passes it explicitly
 * (MACHINE_STORAGE_PATH, HOME, USER, SHELL… in its own `env`); what is cleared here is what
 * would otherwise reach the product or the programs tests run, through `{...process.env}` in a
 * child's environment or a default that reads `process.env`:
 * - DOCKER_* (DOCKER_HOST, DOCKER_CERT_PATH, DOCKER_TLS_VERIFY, DOCKER_CONTEXT, DOCKER_CONFIG…):
 *   the docker CLI that the shell tests run after `eval $(machinist env)` would use them, and
 *   dockerd reads some as defaults.
 * - MACHINE_* and MACHINIST_* (MACHINE_STORAGE_PATH, MACHINE_DRIVER, timing knobs…): the
 *   product's own settings; a test that forgot one would act on the developer's machines.
 *   MACHINIST_TEST_CACHE and MACHINIST_TEST_MIRROR (the test image's cache and mirror) stay, and
 *   MACHINIST_TEST_NOT_DECLARED (where `npm test` collects the tests this machine cannot have).
 * - SSH_AUTH_SOCK, SSH_AGENT_PID: a running agent would offer the developer's keys to test
 *   hosts (the engine's driver SSH reads SSH_AUTH_SOCK from process.env).
 * - AWS_*, DIGITALOCEAN_*: driver credentials and endpoints, read as flag defaults.
 * - *_proxy: the docker CLI and curl would send loopback and test-host traffic to a proxy.
 * HOME becomes an empty directory of this worker, so ~/.docker/machine, ~/.docker/config.json,
 * ~/.aws and ~/.ssh of the developer are never read or written (OpenSSH's own client takes its
 * home from the password database: tests that run it pass -F /dev/null and their own known_hosts).
 * TZ and LANG are fixed, so dates and sorting do not depend on the machine.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const kept = new Set(['MACHINIST_TEST_CACHE', 'MACHINIST_TEST_MIRROR', 'MACHINIST_TEST_NOT_DECLARED']);
const cleared = /^(DOCKER_|MACHINE_|MACHINIST_|AWS_|DIGITALOCEAN_|SSH_AUTH_SOCK$|SSH_AGENT_PID$)|_proxy$/i;

for (const name of Object.keys(process.env)) {
	if (cleared.test(name) && !kept.has(name)) Reflect.deleteProperty(process.env, name);
}

const home = mkdtempSync(path.join(os.tmpdir(), 'machinist-test-home-'));
process.env.HOME = home;
process.env.TZ = 'UTC';
process.env.LANG = 'C.UTF-8';
delete process.env.LC_ALL;
process.on('exit', () => {
	rmSync(home, {recursive: true, force: true});
});
