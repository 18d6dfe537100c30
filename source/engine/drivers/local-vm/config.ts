// What every local VM's stored config holds, and reading it back.
import type {BaseDriverConfig} from '../../store/host.js';
import {numberField, stringField} from '../fields.js';

export type LocalVmConfig = BaseDriverConfig & {
	CPU: number;
	/** MiB. */
	Memory: number;
	/** MiB. */
	DiskSize: number;
	/** As given: a URL or a local file. */
	BootImage: string;
	BootImageChecksum: string;
	/** Set when the disk grew while stopped: the root file system grows at the next boot. */
	GrowRootFileSystem?: boolean;
};

/** The guest user cloud-init makes, whom SSH logs in as. */
export const guestUser = 'docker';

/** The shared fields of a stored machine, with the driver's defaults for those missing. */
export function localVmFields(
	config: BaseDriverConfig,
	defaults: {cpu: number; memory: number; image: string},
): Pick<LocalVmConfig, 'CPU' | 'Memory' | 'DiskSize' | 'BootImage' | 'BootImageChecksum'> {
	return {
		CPU: numberField(config, 'CPU', defaults.cpu),
		Memory: numberField(config, 'Memory', defaults.memory),
		DiskSize: numberField(config, 'DiskSize', 20_000),
		BootImage: stringField(config, 'BootImage', defaults.image),
		BootImageChecksum: stringField(config, 'BootImageChecksum'),
	};
}
