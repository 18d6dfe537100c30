// The qemu driver: local VMs in QEMU, a Debian cloud image booted with cloud-init, Docker reached
// on 127.0.0.1. Its parts: options (flags and config), vm (the QEMU process), disk (qemu-img),
// network (port forwards), driver (the local-VM layer's hooks for QEMU).
import os from 'node:os';
import path from 'node:path';
import {MachinistError} from '../../errors.js';
import {intOption, listOption, stringOption, type OptionValue} from '../../options.js';
import type {DriverDefinition} from '../driver.js';
import {listField, numberField, stringField} from '../fields.js';
import {guestUser, localVmFields} from '../local-vm/config.js';
import {bootImageFromOptions, shareFromOptions} from '../local-vm/options.js';
import {defaultImageFor, nativeArch, type GuestArch} from './arch.js';
import {QemuDriver} from './driver.js';
import {systemHost} from './host-platform.js';
import {options, type Accel} from './options.js';
import type {ShareType} from './share.js';

/** The share as stored, `HOST:GUEST` with both absolute (your home directory by default), or '' for none. */
function shareFolder(values: Readonly<Record<string, OptionValue>>): string {
	const {folder, noShare} = shareFromOptions(values, 'qemu');
	if (noShare) return '';
	const [host = '', guest = ''] = (folder || os.homedir()).split(':');
	const hostPath = path.resolve(host);
	if (guest && !guest.startsWith('/')) throw new MachinistError(`--qemu-share-folder "${folder}": the guest path "${guest}" must be absolute`);
	return `${hostPath}:${guest || hostPath}`;
}

const definition: DriverDefinition = {
	name: 'qemu',
	description: 'A VM on this computer in QEMU: a Debian cloud image with Docker, reached on 127.0.0.1; your home directory is shared (virtiofs, or 9p).',
	options,
	fromOptions(base, values) {
		const arch = (stringOption(values, 'qemu-arch') || nativeArch(systemHost)) as GuestArch;
		const image = defaultImageFor(arch);
		return new QemuDriver({
			...base,
			IPAddress: '127.0.0.1',
			SSHUser: guestUser,
			SSHPort: intOption(values, 'qemu-ssh-port'),
			CPU: intOption(values, 'qemu-cpu-count'),
			Memory: intOption(values, 'qemu-memory'),
			DiskSize: intOption(values, 'qemu-disk-size'),
			...bootImageFromOptions({...values, 'qemu-boot-image': stringOption(values, 'qemu-boot-image') || image.url}, 'qemu', image),
			ImagePath: '',
			Accel: stringOption(values, 'qemu-accel') as Accel,
			AccelUsed: '',
			QemuBinary: stringOption(values, 'qemu-binary'),
			EnginePort: intOption(values, 'qemu-engine-port'),
			Forwards: listOption(values, 'qemu-forward'),
			ShareFolder: shareFolder(values),
			Arch: arch,
			// '' until create picks the default, which depends on what this computer has.
			ShareType: stringOption(values, 'qemu-share-type') as ShareType | '',
		});
	},
	fromConfig(config) {
		// Machines made before --qemu-arch are of this computer's architecture.
		const arch = stringField(config, 'Arch', nativeArch(systemHost)) as GuestArch;
		return new QemuDriver({
			...config,
			...localVmFields(config, {cpu: 2, memory: 2048, image: defaultImageFor(arch).url}),
			ImagePath: stringField(config, 'ImagePath'),
			Accel: stringField(config, 'Accel', 'auto') as Accel,
			AccelUsed: stringField(config, 'AccelUsed'),
			QemuBinary: stringField(config, 'QemuBinary'),
			EnginePort: numberField(config, 'EnginePort'),
			Forwards: listField(config, 'Forwards'),
			ShareFolder: stringField(config, 'ShareFolder'),
			Arch: arch,
			// Machines made before share types were 9p without a cache, which their seed mounts.
			ShareType: stringField(config, 'ShareType', '9p') as ShareType,
		});
	},
};

export default definition;
