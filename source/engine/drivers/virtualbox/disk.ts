// The machine's disk: the raw image converted to a VDI by VBoxManage (no qemu-img needed), grown.
import {stat} from 'node:fs/promises';
import {MachinistError} from '../../errors.js';
import type {CachedImage} from '../../images/cache.js';
import type {Manage} from './network.js';

/** The raw image's size in MiB; VirtualBox converts only raw images. */
export async function rawImageMiB(image: CachedImage, given: string): Promise<number> {
	if (image.format !== 'raw') {
		throw new MachinistError(
			`${given} is a ${image.format} image; VirtualBox converts raw ones: give the .raw image (Debian publishes it beside the .qcow2) with --virtualbox-boot-image`,
		);
	}

	return Math.ceil((await stat(image.path)).size / 1024 / 1024);
}

export async function makeVdi(manage: Manage, image: CachedImage, imageMiB: number, disk: string, sizeMiB: number): Promise<void> {
	await manage(['convertfromraw', image.path, disk, '--format', 'VDI']);
	if (sizeMiB > imageMiB) await manage(['modifymedium', 'disk', disk, '--resize', String(sizeMiB)]);
}
