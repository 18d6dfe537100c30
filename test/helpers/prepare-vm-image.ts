/**
 * Builds (or finds cached) the Debian cloud image the qemu driver's tests boot, before ava
 * starts, so no test's timeout has to cover a first-run build of a few minutes.
 */
import {ensureVmImage, vmTestsAvailable} from './vm-image.js';

const availability = vmTestsAvailable();
if (availability.ok) {
	await ensureVmImage();
} else {
	console.log(`test setup: VM tests will be skipped: ${availability.why}`);
}
