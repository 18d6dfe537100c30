/**
 * Builds (or finds cached) the Debian image the real-host tests boot, before ava starts, so no
 * test's timeout has to cover a first-run debootstrap of about two minutes.
 */
import {ensureRootfs, testHostsAvailable} from './hosts.js';

const availability = testHostsAvailable();
if (availability.ok) {
	await ensureRootfs();
} else {
	console.log(`test setup: real-host tests will be skipped: ${availability.why}`);
}
