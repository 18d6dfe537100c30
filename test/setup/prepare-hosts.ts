/**
 * Builds (or finds cached) the Debian image the real-host tests boot, and the local docker.io
 * repository the install tests serve, before ava starts, so no test's timeout has to cover a
 * first-run debootstrap of about two minutes or a download of about 80 MB.
 */
import {dockerRepoAvailable, ensureDockerRepo} from '../helpers/docker-repo.js';
import {ensureRootfs, testHostsAvailable} from '../helpers/hosts.js';

const availability = testHostsAvailable();
if (availability.ok) {
	await ensureRootfs();
} else {
	console.log(`test setup: real-host tests will be skipped: ${availability.why}`);
}

const repoAvailability = dockerRepoAvailable();
if (repoAvailability.ok) {
	await ensureDockerRepo();
} else {
	console.log(`test setup: the Docker install tests will be skipped: ${repoAvailability.why}`);
}
