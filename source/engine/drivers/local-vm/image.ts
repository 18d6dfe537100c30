// The cloud image a local VM boots: Debian's, by default, and how it reaches the cache.
import path from 'node:path';
import {ensureImage, type CachedImage, type ImageFormat} from '../../images/cache.js';
import type {DriverContext} from '../../driver-context.js';
import type {LocalVmConfig} from './config.js';

const debianImages = 'https://cloud.debian.org/images/cloud/bookworm/latest';
const debianArch: Record<string, string> = {x64: 'amd64', arm64: 'arm64'};

/**
 * Debian 12's `generic` image for an architecture (Node's name; this computer's by default), not `genericcloud`: the cloud
 * kernel has neither 9p (QEMU's share) nor vboxsf (VirtualBox's). Debian publishes it as qcow2
 * and as raw, with one sums file beside both.
 */
export function debianImage(format: ImageFormat, arch: string = process.arch): {url: string; checksum: string} {
	return {
		url: `${debianImages}/debian-12-generic-${debianArch[arch] ?? 'amd64'}.${format}`,
		checksum: `${debianImages}/SHA512SUMS`,
	};
}

/** The machine's boot image from the cache, downloaded once, with the download's progress reported. */
export async function fetchBootImage(config: LocalVmConfig, context: DriverContext): Promise<CachedImage> {
	const cacheDir = path.join(config.StorePath, 'cache');
	const name = path.posix.basename(config.BootImage);
	const mib = (bytes: number) => `${Math.floor(bytes / 1024 / 1024)} MiB`;
	let lastPercent = -1;
	return ensureImage(config.BootImage, {
		cacheDir,
		checksum: config.BootImageChecksum,
		signal: context.signal,
		env: context.env,
		onDownload(url, size) {
			context.progress?.({
				type: 'log',
				machine: config.MachineName,
				message: `Downloading ${url}${size ? ` (${Math.ceil(size / 1024 / 1024)} MiB)` : ''} to ${cacheDir}...`,
			});
		},
		onProgress(received, total) {
			const percent = total ? Math.floor((received / total) * 100) : -1;
			if (total && percent === lastPercent) return;
			if (!total && received - lastPercent < 8 * 1024 * 1024) return;
			lastPercent = total ? percent : received;
			context.progress?.({
				type: 'download',
				machine: config.MachineName,
				received,
				...(total ? {total} : {}),
				message: total ? `Downloading ${name}: ${percent}% (${mib(received)} of ${mib(total)})` : `Downloading ${name}: ${mib(received)}`,
			});
		},
		onWarning(message) {
			context.progress?.({type: 'warning', message});
		},
	});
}
