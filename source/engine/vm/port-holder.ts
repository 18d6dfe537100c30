// Whether a port on 127.0.0.1 of this computer is free to forward, and when not, what holds it:
// the published-ports agent reports a taken port instead of failing the container.
import dgram from 'node:dgram';
import {readFile, readdir, readlink} from 'node:fs/promises';
import net from 'node:net';

type Protocol = 'tcp' | 'udp';

/** Binds the port for a moment; the error code when that fails (EADDRINUSE, EACCES), else undefined. */
async function bindProblem(protocol: Protocol, port: number): Promise<string | undefined> {
	return new Promise(resolve => {
		const failed = (error: NodeJS.ErrnoException) => {
			resolve(error.code ?? error.message);
		};

		if (protocol === 'tcp') {
			const server = net.createServer();
			server.once('error', failed);
			server.listen({port, host: '127.0.0.1', exclusive: true}, () => {
				server.close(() => {
					resolve(undefined);
				});
			});
			return;
		}

		const socket = dgram.createSocket({type: 'udp4', reuseAddr: false});
		socket.once('error', failed);
		socket.bind({port, address: '127.0.0.1', exclusive: true}, () => {
			socket.close(() => {
				resolve(undefined);
			});
		});
	});
}

/** The socket inodes bound to `port` in /proc/net/{tcp,udp}{,6}: listening TCP sockets, any UDP one. */
async function socketInodes(protocol: Protocol, port: number): Promise<Set<string>> {
	const inodes = new Set<string>();
	const portHex = port.toString(16).toUpperCase().padStart(4, '0');
	for (const table of [protocol, `${protocol}6`]) {
		const text = await readFile(`/proc/net/${table}`, 'utf8').catch(() => '');
		for (const line of text.split('\n').slice(1)) {
			// sl, local_address, rem_address, st, tx_queue:rx_queue, tr:tm->when, retrnsmt, uid, timeout, inode
			const fields = line.trim().split(/\s+/);
			const local = fields[1] ?? '';
			const state = fields[3] ?? '';
			const inode = fields[9] ?? '';
			const listening = protocol === 'udp' || state === '0A';
			if (local.endsWith(`:${portHex}`) && listening && inode !== '0') inodes.add(inode);
		}
	}

	return inodes;
}

/** `program (pid N)` for the process holding one of the inodes, where /proc lets this user look. */
async function processHolding(inodes: Set<string>): Promise<string | undefined> {
	const pids = (await readdir('/proc').catch(() => [])).filter(entry => /^\d+$/.test(entry));
	for (const pid of pids) {
		const descriptors = await readdir(`/proc/${pid}/fd`).catch(() => []);
		for (const descriptor of descriptors) {
			const target = await readlink(`/proc/${pid}/fd/${descriptor}`).catch(() => '');
			const inode = /^socket:\[(\d+)]$/.exec(target)?.[1];
			if (inode && inodes.has(inode)) {
				const program = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
				return `${program || 'a process'} (pid ${pid})`;
			}
		}
	}

	return undefined;
}

/**
 * Undefined when 127.0.0.1:port can be forwarded; otherwise what holds it, as precisely as this
 * computer tells (`in use by nginx (pid 812)`, or `in use` where /proc is missing or private).
 */
export async function portTakenBy(protocol: Protocol, port: number): Promise<string | undefined> {
	const problem = await bindProblem(protocol, port);
	if (problem === undefined) return undefined;
	if (problem !== 'EADDRINUSE') return `not usable (${problem})`;
	const holder = await processHolding(await socketInodes(protocol, port));
	return holder ? `in use by ${holder}` : 'in use';
}
