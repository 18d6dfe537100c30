// The cheap TCP probe drivers use to tell whether a host is up.
import net from 'node:net';

/**
 * Opens and closes a TCP connection: the cheap "is anything listening" probe drivers use for
 * state. Resolves with the reason in Go's net wording (which docker-machine users know), or
 * undefined when the connection was accepted.
 */
export async function dialProblem(host: string, port: number, options: {timeoutMs: number; signal?: AbortSignal}): Promise<string | undefined> {
	const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
	return new Promise(resolve => {
		const socket = net.connect({host, port, timeout: options.timeoutMs});
		const finish = (problem: string | undefined) => {
			options.signal?.removeEventListener('abort', onAbort);
			socket.destroy();
			resolve(problem);
		};

		const onAbort = () => {
			finish(`dial tcp ${address}: operation was canceled`);
		};

		options.signal?.addEventListener('abort', onAbort, {once: true});
		socket.once('connect', () => {
			finish(undefined);
		});
		socket.once('timeout', () => {
			finish(`dial tcp ${address}: i/o timeout`);
		});
		socket.once('error', (error: NodeJS.ErrnoException) => {
			const reasons: Record<string, string> = {
				ECONNREFUSED: 'connect: connection refused',
				EHOSTUNREACH: 'connect: no route to host',
				ENETUNREACH: 'connect: network is unreachable',
				ENOTFOUND: 'lookup failed: no such host',
			};
			finish(`dial tcp ${address}: ${reasons[error.code ?? ''] ?? error.message}`);
		});
	});
}
