// A Go net/rpc client over HTTP CONNECT, with gob-encoded headers and bodies (what
// rpc.DialHTTP speaks): each call a Request header then its argument; each reply a Response
// header then its value, matched by sequence number, so calls may overlap (a heartbeat during a
// long Create).
import net from 'node:net';
import {Decoder} from './gob/decoder.js';
import {Encoder} from './gob/encoder.js';
import {go, type GoType} from './gob/types.js';

const requestType = go.struct('Request', {ServiceMethod: go.string, Seq: go.uint});
/** The argument of calls that take none: Go's `struct{}{}`. */
export const noArgument = go.struct('struct {}', {});

const connectedStatus = 'HTTP/1.0 200 Connected to Go RPC';

export class RpcError extends Error {
	/** True when the server answered with an error; false when the connection failed. */
	readonly fromServer: boolean;

	constructor(message: string, fromServer: boolean) {
		super(message);
		this.name = 'RpcError';
		this.fromServer = fromServer;
	}
}

type Pending = {resolve: (value: unknown) => void; reject: (error: Error) => void};
type Response = {ServiceMethod: string; Seq: number; Error: string};

export class RpcClient {
	/** Connects to `host:port` and asks for the RPC endpoint, within `timeoutMs`. */
	static async connect(host: string, port: number, timeoutMs = 10_000): Promise<RpcClient> {
		const socket = net.connect({host, port});
		socket.setNoDelay(true);
		return new Promise((resolve, reject) => {
			let head = Buffer.alloc(0);
			const fail = (error: Error) => {
				clearTimeout(timer);
				socket.destroy();
				reject(new RpcError(`cannot reach the plugin at ${host}:${port}: ${error.message}`, false));
			};

			const timer = setTimeout(() => {
				fail(new Error(`no answer within ${timeoutMs / 1000} s`));
			}, timeoutMs);
			const onData = (chunk: Buffer) => {
				head = Buffer.concat([head, chunk]);
				const end = head.indexOf('\n\n');
				if (end === -1) return;
				clearTimeout(timer);
				socket.off('data', onData);
				socket.off('error', fail);
				const status = head.subarray(0, head.indexOf('\n')).toString().trim();
				if (status !== connectedStatus) {
					fail(new Error(`unexpected HTTP response: ${status}`));
					return;
				}

				resolve(new RpcClient(socket, head.subarray(end + 2)));
			};

			socket.on('data', onData);
			socket.once('error', fail);
			socket.once('connect', () => socket.write('CONNECT /_goRPC_ HTTP/1.0\n\n'));
		});
	}

	private readonly encoder = new Encoder();
	private readonly decoder = new Decoder();
	private readonly pending = new Map<number, Pending>();
	private nextSeq = 0;
	/** The header read whose body comes next. */
	private header: Response | undefined;
	private closedWith: Error | undefined;

	private constructor(
		private readonly socket: net.Socket,
		rest: Uint8Array,
	) {
		socket.on('data', chunk => {
			this.receive(chunk);
		});
		socket.on('error', error => {
			this.shutDown(new RpcError(`connection to the plugin failed: ${error.message}`, false));
		});
		socket.on('close', () => {
			this.shutDown(new RpcError('the plugin closed the connection', false));
		});
		if (rest.length > 0) this.receive(rest);
	}

	get closed(): boolean {
		return this.closedWith !== undefined;
	}

	/** Calls `method` ("Service.Method") with an argument of `argumentType`; resolves with the reply. */
	async call(method: string, argumentType: GoType = noArgument, argument: unknown = {}): Promise<unknown> {
		if (this.closedWith) throw this.closedWith;
		const seq = this.nextSeq++;
		const message = Buffer.concat([this.encoder.encode(requestType, {ServiceMethod: method, Seq: seq}), this.encoder.encode(argumentType, argument)]);
		return new Promise((resolve, reject) => {
			this.pending.set(seq, {resolve, reject});
			this.socket.write(message);
		});
	}

	close(): void {
		this.shutDown(new RpcError('the connection to the plugin was closed', false));
	}

	private receive(chunk: Uint8Array): void {
		try {
			this.decoder.push(chunk);
			for (const value of this.decoder.values()) this.take(value);
		} catch (error) {
			this.shutDown(new RpcError(`the plugin sent what is not a gob RPC reply: ${(error as Error).message}`, false));
		}
	}

	private take(value: unknown): void {
		if (!this.header) {
			this.header = value as Response;
			return;
		}

		const {Seq: seq, Error: error} = this.header;
		this.header = undefined;
		const call = this.pending.get(seq);
		if (!call) return;
		this.pending.delete(seq);
		if (error) call.reject(new RpcError(error, true));
		else call.resolve(value);
	}

	private shutDown(error: RpcError): void {
		if (this.closedWith) return;
		this.closedWith = error;
		this.socket.destroy();
		for (const call of this.pending.values()) call.reject(error);
		this.pending.clear();
	}
}
