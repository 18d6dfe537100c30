// docker-machine's default driver: a VM in VirtualBox, driven through VBoxManage. New machines
// boot the same Debian cloud image as the qemu driver (boot2docker is gone); machines
// docker-machine made (boot2docker guests) keep working from a shared store. Its parts: options
// (flags, config, share), vm (the definition and NICs), disk (the VDI), network (host-only
// network, SSH forward, the guest's address), driver (the local-VM layer's hooks for VirtualBox).
import path from 'node:path';
import {boolOption, intOption, stringOption} from '../../options.js';
import type {DriverDefinition} from '../driver.js';
import {boolField, stringField} from '../fields.js';
import {guestUser, localVmFields} from '../local-vm/config.js';
import {bootImageFromOptions, shareFromOptions} from '../local-vm/options.js';
import {VirtualBoxDriver} from './driver.js';
import {defaultRawImage, options, splitShareFolder} from './options.js';

export {parseHostOnlyCidr} from './network.js';
export {splitShareFolder} from './options.js';

const definition: DriverDefinition = {
	name: 'virtualbox',
	description: 'A VM in VirtualBox: a Debian cloud image with Docker on a host-only network; also runs the machines docker-machine made.',
	options,
	fromOptions(base, values) {
		const {folder, noShare} = shareFromOptions(values, 'virtualbox');
		const share = folder ? splitShareFolder(folder) : undefined;
		return new VirtualBoxDriver({
			...base,
			SSHUser: guestUser,
			SSHPort: 0,
			VBoxManager: {},
			HostInterfaces: {},
			CPU: intOption(values, 'virtualbox-cpu-count'),
			Memory: intOption(values, 'virtualbox-memory'),
			DiskSize: intOption(values, 'virtualbox-disk-size'),
			NatNicType: stringOption(values, 'virtualbox-nat-nictype'),
			Boot2DockerURL: stringOption(values, 'virtualbox-boot2docker-url'),
			Boot2DockerImportVM: stringOption(values, 'virtualbox-import-boot2docker-vm'),
			HostDNSResolver: boolOption(values, 'virtualbox-host-dns-resolver'),
			HostOnlyCIDR: stringOption(values, 'virtualbox-hostonly-cidr'),
			HostOnlyNicType: stringOption(values, 'virtualbox-hostonly-nictype'),
			HostOnlyPromiscMode: stringOption(values, 'virtualbox-hostonly-nicpromisc'),
			UIType: stringOption(values, 'virtualbox-ui-type'),
			HostOnlyNoDHCP: boolOption(values, 'virtualbox-hostonly-no-dhcp'),
			NoShare: noShare,
			DNSProxy: !boolOption(values, 'virtualbox-no-dns-proxy'),
			NoVTXCheck: boolOption(values, 'virtualbox-no-vtx-check'),
			ShareFolder: share ? `${path.resolve(share.host)}:${share.name}` : '',
			...bootImageFromOptions(values, 'virtualbox', defaultRawImage),
		});
	},
	fromConfig(config) {
		return new VirtualBoxDriver({
			...config,
			...localVmFields(config, {cpu: 1, memory: 1024, image: defaultRawImage.url}),
			VBoxManager: {},
			HostInterfaces: {},
			NatNicType: stringField(config, 'NatNicType', '82540EM'),
			Boot2DockerURL: stringField(config, 'Boot2DockerURL'),
			Boot2DockerImportVM: stringField(config, 'Boot2DockerImportVM'),
			HostDNSResolver: boolField(config, 'HostDNSResolver'),
			HostOnlyCIDR: stringField(config, 'HostOnlyCIDR', '192.168.99.1/24'),
			HostOnlyNicType: stringField(config, 'HostOnlyNicType', '82540EM'),
			HostOnlyPromiscMode: stringField(config, 'HostOnlyPromiscMode', 'deny'),
			UIType: stringField(config, 'UIType', 'headless'),
			HostOnlyNoDHCP: boolField(config, 'HostOnlyNoDHCP'),
			NoShare: boolField(config, 'NoShare'),
			DNSProxy: config.DNSProxy !== false,
			NoVTXCheck: boolField(config, 'NoVTXCheck'),
			ShareFolder: stringField(config, 'ShareFolder'),
		});
	},
};

export default definition;
