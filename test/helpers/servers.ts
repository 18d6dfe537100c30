import http from 'node:http';
import net from 'node:net';
import type {ExecutionContext} from 'ava';

/**
 * A loopback TCP port that accepts and closes at once (it "answers") until told to go silent;
 * then it accepts and says nothing, as a hung host does.
 */
export async function tcpServer(t: ExecutionContext): Promise<{port: number; goSilent(): void; readonly connections: number}> {
	let silent = false;
	let connections = 0;
	const sockets = new Set<net.Socket>();
	const server = net.createServer(socket => {
		connections++;
		sockets.add(socket);
		if (!silent) socket.destroy();
	});
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	t.teardown(() => {
		for (const socket of sockets) socket.destroy();
		server.close();
	});
	return {
		port: (server.address() as net.AddressInfo).port,
		goSilent() {
			silent = true;
		},
		/** How many connections it has had: one per status query of a machine pointed at it. */
		get connections() {
			return connections;
		},
	};
}

/** An HTTP server on loopback for the test's lifetime; `base` is its `http://127.0.0.1:PORT`. */
export async function httpServer(t: ExecutionContext, handle: http.RequestListener): Promise<{base: string}> {
	const server = http.createServer(handle);
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	t.teardown(() => {
		server.close();
	});
	return {base: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`};
}
