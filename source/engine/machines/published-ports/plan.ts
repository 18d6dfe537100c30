// What the published-ports agent should change: the forwards the running containers want,
// against the forwards the VM has. Pure, so every case is tested without a VM.
import type {PublishedForward} from '../../drivers/driver.js';

/** The parts of `GET /containers/json` the plan reads. */
export type ContainerSummary = {
	Id: string;
	Names?: string[];
	Ports?: Array<{IP?: string; PrivatePort: number; PublicPort?: number; Type: string}>;
};

/** A forward a container wants, named by the container. */
export type WantedForward = PublishedForward & {container: string};

/** A wanted forward that is not on 127.0.0.1, and why. */
export type SkippedForward = WantedForward & {reason: string};

export type ForwardPlan = {wanted: WantedForward[]; add: WantedForward[]; remove: PublishedForward[]; skip: SkippedForward[]};

export function forwardKey(forward: PublishedForward): string {
	return `${forward.port}/${forward.protocol}`;
}

function containerName(container: ContainerSummary): string {
	return container.Names?.[0]?.replace(/^\//, '') ?? container.Id.slice(0, 12);
}

/** Published on every address of the VM (`-p 8080:80`), so its own address reaches it. */
function onEveryAddress(ip: string | undefined): boolean {
	return ip === undefined || ip === '' || ip === '0.0.0.0' || ip === '::';
}

/**
 * The forwards the running containers publish, one per port and protocol (Docker lists a port
 * once for IPv4 and once for IPv6), in the order Docker lists them.
 */
export function wantedForwards(containers: readonly ContainerSummary[]): {wanted: WantedForward[]; unreachable: SkippedForward[]} {
	const wanted = new Map<string, WantedForward>();
	const unreachable = new Map<string, SkippedForward>();
	for (const container of containers) {
		for (const port of container.Ports ?? []) {
			if (!port.PublicPort || (port.Type !== 'tcp' && port.Type !== 'udp')) continue;
			const forward: WantedForward = {protocol: port.Type, port: port.PublicPort, container: containerName(container)};
			const key = forwardKey(forward);
			if (onEveryAddress(port.IP)) {
				if (!wanted.has(key)) wanted.set(key, forward);
				unreachable.delete(key);
			} else if (!wanted.has(key)) {
				unreachable.set(key, {
					...forward,
					reason: `published on ${port.IP} inside the VM only: publish it on every address (-p ${port.PublicPort}:${port.PrivatePort})`,
				});
			}
		}
	}

	return {wanted: [...wanted.values()], unreachable: [...unreachable.values()]};
}

/**
 * The changes that leave the VM with exactly the wanted forwards: those it lacks are added,
 * those no container wants any more removed. A port the machine forwards for itself (SSH,
 * Docker, `port`) is never touched and a container's claim on it is skipped.
 */
export function planForwards(containers: readonly ContainerSummary[], current: readonly PublishedForward[], reserved: readonly number[]): ForwardPlan {
	const {wanted, unreachable} = wantedForwards(containers);
	const wantedKeys = new Set(wanted.map(forward => forwardKey(forward)));
	const currentKeys = new Set(current.map(forward => forwardKey(forward)));
	const skip: SkippedForward[] = [...unreachable];
	const add: WantedForward[] = [];
	for (const forward of wanted) {
		if (forward.protocol === 'tcp' && reserved.includes(forward.port)) {
			skip.push({...forward, reason: 'forwarded to this machine already (its SSH, Docker or a port forward)'});
		} else if (!currentKeys.has(forwardKey(forward))) {
			add.push(forward);
		}
	}

	const remove = current.filter(forward => !wantedKeys.has(forwardKey(forward)) && !(forward.protocol === 'tcp' && reserved.includes(forward.port)));
	return {wanted, add, remove, skip};
}
