import net from 'node:net';
import {MachinistError} from '../errors.js';

/**
 * A QEMU Machine Protocol client: one Unix socket, JSON lines. After the greeting,
 * `qmp_capabilities` leaves negotiation mode; then each `execute` gets a `return` or an `error`,
 * in order, with asynchronous events (which carry an `event` field) in between, ignored here.
 */
type Reply = {return?: unknown; error?: {class: string; desc: string}; event?: string; QMP?: unknown};

export class QmpClient {
	readonly #socket: net.Socket;
	readonly #waiting: Array<{resolve: (reply: Reply) => void; reject: (error: Error) => void}> = [];
	#buffer = '';
	#closed: Error | undefined;

	private constructor(socket: net.Socket) {
		this.#socket = socket;
		socket.setEncoding('utf8');
		socket.on('data', (chunk: string) => {
			this.#buffer += chunk;
			let newline;
			while ((newline = this.#buffer.indexOf('\n')) >= 0) {
				const line = this.#buffer.slice(0, newline).trim();
				this.#buffer = this.#buffer.slice(newline + 1);
				if (line) this.#receive(line);
			}
		});
		const fail = (error: Error) => {
			this.#closed ??= error;
			for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#closed);
		};

		socket.on('error', fail);
		socket.on('close', () => {
			fail(new MachinistError('QEMU closed its monitor connection'));
		});
	}

	#receive(line: string): void {
		let reply: Reply;
		try {
			reply = JSON.parse(line) as Reply;
		} catch {
			return;
		}

		if (reply.event !== undefined) return;
		this.#waiting.shift()?.resolve(reply);
	}

	async #next(timeoutMs: number): Promise<Reply> {
		if (this.#closed) throw this.#closed;
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => {
				const index = this.#waiting.indexOf(waiter);
				if (index !== -1) this.#waiting.splice(index, 1);
				reject(new MachinistError(`QEMU's monitor did not answer within ${Math.round(timeoutMs / 1000)} s`));
			}, timeoutMs);
			const waiter = {
				resolve(reply: Reply) {
					clearTimeout(timer);
					resolve(reply);
				},
				reject(error: Error) {
					clearTimeout(timer);
					reject(error);
				},
			};
			this.#waiting.push(waiter);
		});
	}

	/** Connects, reads the greeting and negotiates capabilities. */
	static async connect(socketPath: string, options: {timeoutMs?: number} = {}): Promise<QmpClient> {
		const timeoutMs = options.timeoutMs ?? 5000;
		const socket = await new Promise<net.Socket>((resolve, reject) => {
			const connection = net.connect(socketPath);
			const timer = setTimeout(() => {
				connection.destroy();
				reject(new MachinistError(`QEMU's monitor socket ${socketPath} did not accept a connection within ${Math.round(timeoutMs / 1000)} s`));
			}, timeoutMs);
			connection.once('connect', () => {
				clearTimeout(timer);
				resolve(connection);
			});
			connection.once('error', error => {
				clearTimeout(timer);
				reject(error);
			});
		});
		const client = new QmpClient(socket);
		try {
			const greeting = await client.#next(timeoutMs);
			if (greeting.QMP === undefined) throw new MachinistError(`${socketPath} is not a QEMU monitor socket`);
			await client.execute('qmp_capabilities', undefined, {timeoutMs});
			return client;
		} catch (error) {
			client.close();
			throw error;
		}
	}

	/** Runs a command; its error class and description become a MachinistError. */
	async execute<T = unknown>(command: string, args?: Record<string, unknown>, options: {timeoutMs?: number} = {}): Promise<T> {
		if (this.#closed) throw this.#closed;
		const reply = this.#next(options.timeoutMs ?? 5000);
		this.#socket.write(`${JSON.stringify(args === undefined ? {execute: command} : {execute: command, arguments: args})}\n`);
		const answer = await reply;
		if (answer.error) throw new MachinistError(`QEMU refused ${command}: ${answer.error.desc}`);
		return answer.return as T;
	}

	/** A human monitor command (hostfwd_add has no QMP equivalent); QEMU's output is returned. */
	async human(commandLine: string): Promise<string> {
		const output = await this.execute<string>('human-monitor-command', {'command-line': commandLine});
		return typeof output === 'string' ? output : '';
	}

	close(): void {
		this.#socket.destroy();
	}
}

/** Connects, runs `work`, and closes. */
export async function withQmp<T>(socketPath: string, work: (client: QmpClient) => Promise<T>, options: {timeoutMs?: number} = {}): Promise<T> {
	const client = await QmpClient.connect(socketPath, options);
	try {
		return await work(client);
	} finally {
		client.close();
	}
}
