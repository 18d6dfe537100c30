// Ports on 127.0.0.1 forwarded into a local VM: finding a free one, checking one, and asking
// whether sshd answers behind one.
import net from 'node:net';
import {MachinistError} from '../errors.js';

/** A port on 127.0.0.1 nothing listens on now. */
export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const {port} = server.address() as net.AddressInfo;
			server.close(() => {
				resolve(port);
			});
		});
	});
}

/** Throws naming the flag when something on this computer already listens on 127.0.0.1:port. */
export async function assertPortFree(port: number, flag: string): Promise<void> {
	await new Promise<void>((resolve, reject) => {
		const server = net.createServer();
		server.once('error', (error: NodeJS.ErrnoException) => {
			reject(
				new MachinistError(
					error.code === 'EADDRINUSE'
						? `port ${port} on 127.0.0.1 is in use: choose another ${flag}, or 0 for a free port`
						: `cannot use port ${port} on 127.0.0.1 (${error.code ?? error.message}): choose another ${flag}`,
				),
			);
		});
		server.listen(port, '127.0.0.1', () => {
			server.close(() => {
				resolve();
			});
		});
	});
}

/**
 * Waits for an SSH server's banner through a port forward. A forward accepts connections even
 * while nothing listens inside the VM (and then closes them), so an open port proves nothing.
 */
export async function sshBannerAnswers(port: number, timeoutMs = 3000): Promise<boolean> {
	return new Promise(resolve => {
		const socket = net.connect({host: '127.0.0.1', port});
		const finish = (answer: boolean) => {
			clearTimeout(timer);
			socket.destroy();
			resolve(answer);
		};

		const timer = setTimeout(() => {
			finish(false);
		}, timeoutMs);
		socket.once('data', (chunk: Buffer) => {
			finish(chunk.toString('latin1').startsWith('SSH-'));
		});
		socket.once('error', () => {
			finish(false);
		});
		socket.once('end', () => {
			finish(false);
		});
	});
}
