// How containers read on screen (names, ports): no I/O, so faces load it with the engine's index.

export type ContainerPort = {IP?: string; PrivatePort: number; PublicPort?: number; Type: string};

/** The name `docker ps` shows: the first name, without its slash. */
export function containerName(container: {Names: string[]; Id: string}): string {
	return container.Names[0]?.replace(/^\//, '') ?? container.Id.slice(0, 12);
}

/** Which address reaches a published port from here. */
export type PortReach = {
	/** The host of the machine's Docker URL: where a port Docker bound on every address is reached. */
	dockerHost: string;
	/** Local VMs whose ports come to this computer's loopback (qemu's user networking). */
	viaLoopback: boolean;
};

/**
 * A published port as `docker ps` shows it, with the address that reaches it from this computer
 * (`127.0.0.1:8080->80/tcp` for a qemu VM, `192.168.99.100:8080->80/tcp` for a VirtualBox one).
 * Unpublished ports read `80/tcp`.
 */
export function portLabel(port: ContainerPort, reach: PortReach): string {
	if (port.PublicPort === undefined) return `${port.PrivatePort}/${port.Type}`;
	const everywhere = port.IP === undefined || port.IP === '' || port.IP === '0.0.0.0' || port.IP === '::';
	const host = reach.viaLoopback ? '127.0.0.1' : everywhere ? reach.dockerHost : port.IP!;
	const shown = host.includes(':') ? `[${host}]` : host;
	return `${shown}:${port.PublicPort}->${port.PrivatePort}/${port.Type}`;
}

/** The ports column: one entry per port, the IPv4 and IPv6 bindings of one port said once. */
export function portsLabel(ports: readonly ContainerPort[], reach: PortReach): string {
	const labels = ports.map(port => portLabel(port, reach));
	return [...new Set(labels)].sort().join(', ');
}
