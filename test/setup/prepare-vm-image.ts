/**
 * Builds (or finds cached) the Debian cloud images the qemu driver's tests boot (with Docker and
 * without, and the arm64 one), before ava starts, so no test's timeout has to cover a first-run
 * build of minutes.
 */
import {busyboxArm64Tar, ensureVmArm64Image, vmArm64TestsAvailable} from '../helpers/vm-image-arm64.js';
import {ensureVmImage, vmTestsAvailable} from '../helpers/vm-image.js';

const availability = vmTestsAvailable();
if (availability.ok) {
	await ensureVmImage('docker');
	await ensureVmImage('no-docker');
} else {
	console.log(`test setup: VM tests will be skipped: ${availability.why}`);
}

const arm64 = vmArm64TestsAvailable();
if (arm64.ok) {
	await ensureVmArm64Image();
	await busyboxArm64Tar();
} else {
	console.log(`test setup: the arm64 VM test will be skipped: ${arm64.why}`);
}
