// The options every local VM driver has, built for a driver's flag prefix, and reading them.
import path from 'node:path';
import {MachinistError} from '../../errors.js';
import {boolOption, stringOption, type OptionSpec, type OptionValue} from '../../options.js';
import {atLeast} from '../fields.js';

type Values = Readonly<Record<string, OptionValue>>;

/** `--PREFIX-memory`, in MB, at least 256. */
export function memoryOption(prefix: string, envPrefix: string, fallback: number): OptionSpec {
	return {
		name: `${prefix}-memory`,
		type: 'int',
		envVar: `${envPrefix}_MEMORY_SIZE`,
		default: fallback,
		description: 'size of memory for the VM (in MB)',
		validate: atLeast(`${prefix}-memory`, 256),
	};
}

/** `--PREFIX-disk-size`, in MB, at least 1024. */
export function diskSizeOption(prefix: string, envPrefix: string): OptionSpec {
	return {
		name: `${prefix}-disk-size`,
		type: 'int',
		envVar: `${envPrefix}_DISK_SIZE`,
		default: 20_000,
		description: 'size of the disk for the VM (in MB)',
		validate: atLeast(`${prefix}-disk-size`, 1024),
	};
}

/** `--PREFIX-boot-image` and `--PREFIX-boot-image-checksum`. */
export function bootImageOptions(prefix: string, envPrefix: string, fallback: string, description: string): OptionSpec[] {
	return [
		{name: `${prefix}-boot-image`, type: 'string', envVar: `${envPrefix}_BOOT_IMAGE`, default: fallback, description},
		{
			name: `${prefix}-boot-image-checksum`,
			type: 'string',
			envVar: `${envPrefix}_BOOT_IMAGE_CHECKSUM`,
			description: "the image's checksum: sha256:HEX, sha512:HEX, or the URL of a sums file (default: Debian's SHA512SUMS for the default image)",
			advanced: true,
		},
	];
}

/** The boot image as stored: a URL, or a local file made absolute; the default image's sums file unless a checksum is given. */
export function bootImageFromOptions(
	values: Values,
	prefix: string,
	fallback: {url: string; checksum: string},
): {BootImage: string; BootImageChecksum: string} {
	const image = stringOption(values, `${prefix}-boot-image`);
	return {
		BootImage: /^https?:\/\//i.test(image) ? image : path.resolve(image),
		BootImageChecksum: stringOption(values, `${prefix}-boot-image-checksum`) || (image === fallback.url ? fallback.checksum : ''),
	};
}

/** `--PREFIX-share-folder` as given and `--PREFIX-no-share`, which contradict each other. */
export function shareFromOptions(values: Values, prefix: string): {folder: string; noShare: boolean} {
	const folder = stringOption(values, `${prefix}-share-folder`);
	const noShare = boolOption(values, `${prefix}-no-share`);
	if (noShare && folder) throw new MachinistError(`--${prefix}-share-folder and --${prefix}-no-share contradict each other: give one`);
	return {folder, noShare};
}
