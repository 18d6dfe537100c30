// QEMU's user-mode network: TCP ports on 127.0.0.1 forwarded into the guest.
import {MachinistError} from '../../errors.js';
import type {PortForward} from '../driver.js';
import type {QemuConfig} from './options.js';

export function parseForward(text: string, flag: string): PortForward {
	const match = /^(\d{1,5}):(\d{1,5})$/.exec(text.trim());
	const host = Number(match?.[1]);
	const guest = Number(match?.[2]);
	if (!match || host < 1 || host > 65_535 || guest < 1 || guest > 65_535) {
		throw new MachinistError(`${flag} "${text}" is not HOST:GUEST (two ports, 1-65535), e.g. 8080:80`);
	}

	return {host, guest};
}

/** Every forward of the machine: SSH, the Docker daemon, and those the user added. */
export function forwardsOf(config: QemuConfig): PortForward[] {
	return [
		{host: config.SSHPort, guest: 22},
		// The daemon listens on the same port inside: provisioning configures it from the URL.
		{host: config.EnginePort, guest: config.EnginePort},
		...config.Forwards.map(forward => parseForward(forward, '--qemu-forward')),
	];
}

/** The `-netdev` argument of the machine's one NIC. */
export function netdevArgument(config: QemuConfig): string {
	return ['user', 'id=net0', ...forwardsOf(config).map(forward => `hostfwd=tcp:127.0.0.1:${forward.host}-:${forward.guest}`)].join(',');
}

/** The monitor command that adds a forward to a running VM. */
export function hostfwdCommand(forward: PortForward): string {
	return `hostfwd_add net0 tcp:127.0.0.1:${forward.host}-:${forward.guest}`;
}
