// Containers' published ports on QEMU's user network: the forwards the published-ports agent
// adds and removes through the monitor, read back from `info usernet`.
import {MachinistError} from '../../errors.js';
import {portTakenBy} from '../../vm/port-holder.js';
import {withQmp} from '../../vm/qmp.js';
import type {Forwarder, PublishedForward} from '../driver.js';

/** The host-forward rows of `info usernet`: `TCP[HOST_FORWARD]  11  127.0.0.1 12345  10.0.2.15  22  0  0`. */
export function parseUsernet(text: string): Array<PublishedForward & {guest: number}> {
	const rows: Array<PublishedForward & {guest: number}> = [];
	for (const line of text.split(/\r?\n/)) {
		const match = /^\s*(TCP|UDP)\[HOST_FORWARD]\s+\S+\s+\S+\s+(\d+)\s+\S+\s+(\d+)/.exec(line);
		if (match) rows.push({protocol: match[1]!.toLowerCase() as PublishedForward['protocol'], port: Number(match[2]), guest: Number(match[3])});
	}

	return rows;
}

/** The rule as hostfwd_add and hostfwd_remove name it: the guest side is the guest's own address. */
function rule(forward: PublishedForward): string {
	return `${forward.protocol}:127.0.0.1:${forward.port}`;
}

/** A forwarder over the monitor at `socket`; `reserved` are the machine's own host ports. */
export function qmpForwarder(socket: string, reserved: number[]): Forwarder {
	const monitor = async (command: string) => withQmp(socket, async client => (await client.human(command)).trim());
	return {
		reserved: () => reserved,
		async current() {
			const rows = parseUsernet(await monitor('info usernet'));
			return rows.filter(row => !(row.protocol === 'tcp' && reserved.includes(row.port))).map(({protocol, port}) => ({protocol, port}));
		},
		async add(forward) {
			const taken = await portTakenBy(forward.protocol, forward.port);
			if (taken) return taken;
			const output = await monitor(`hostfwd_add net0 ${rule(forward)}-:${forward.port}`);
			// QEMU binds the port itself: something may have taken it since the check.
			return output === '' ? undefined : ((await portTakenBy(forward.protocol, forward.port)) ?? output);
		},
		async remove(forward) {
			const output = await monitor(`hostfwd_remove net0 ${rule(forward)}`);
			if (!/removed|not found/.test(output)) throw new MachinistError(`QEMU did not remove the forward ${rule(forward)}: ${output}`);
		},
	};
}
