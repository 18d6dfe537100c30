import type {TestHost} from '../helpers/hosts.js';

/**
 * Cuts a test host off the network with firewall rules inside its own namespace: packets are
 * dropped silently, as when a cable or a route fails, and this machine's side of the link stays
 * up (taking it down would route the traffic elsewhere).
 */
export async function dropLink(host: TestHost): Promise<void> {
	const result = await host.exec('iptables -w -I INPUT 1 ! -i lo -j DROP && iptables -w -I OUTPUT 1 ! -o lo -j DROP');
	if (result.code !== 0) throw new Error(`could not drop ${host.name}'s link: ${result.stderr}`);
}

/** Removes the rules dropLink added; safe to call when they are not there. */
export async function restoreLink(host: TestHost): Promise<void> {
	await host.exec(
		'while iptables -w -D INPUT ! -i lo -j DROP 2>/dev/null; do :; done; while iptables -w -D OUTPUT ! -o lo -j DROP 2>/dev/null; do :; done; true',
	);
}
