/**
 * Builds (or finds cached) the Debian cloud images the qemu driver's tests boot (with Docker and
 * without), before ava starts, so no test's timeout has to cover a first-run build of a few minutes.
 */
import {ensureVmImage, vmTestsAvailable} from '../helpers/vm-image.js';

const availability = vmTestsAvailable();
if (availability.ok) {
	await ensureVmImage('docker');
	await ensureVmImage('no-docker');
} else {
	console.log(`test setup: VM tests will be skipped: ${availability.why}`);
}
