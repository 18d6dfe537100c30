/**
 * A container's logs as lines: Docker sends a container without a TTY as a multiplexed stream
 * (each frame an 8-byte header: the stream, three zero bytes, the length big-endian), and one
 * with a TTY as the raw bytes of its terminal, all of it stdout.
 */
import {StringDecoder} from 'node:string_decoder';
import type {DockerClient} from './client.js';
import {openStream} from './stream.js';

export type LogStream = 'stdout' | 'stderr';

export type LogLine = {
	stream: LogStream;
	/** The daemon's RFC 3339 timestamp (nanoseconds), or '' when it sent none. */
	time: string;
	text: string;
	/** Where a service's line came from: its task and that task's node, `web.2@node1`. */
	source?: string;
};

const headerBytes = 8;
const streams: Record<number, LogStream> = {0: 'stdout', 1: 'stdout', 2: 'stderr'};
const timestamp = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) /;

/** Turns the bytes of a logs stream into whole lines, across chunk and frame boundaries. */
export class LogDecoder {
	/** Undefined until the first bytes tell (`detect`). */
	#multiplexed: boolean | undefined;
	readonly #timestamps: boolean;
	#pending: Buffer = Buffer.alloc(0);
	/** A line's start per stream, waiting for its end in a later frame. */
	readonly #partial: Record<LogStream, string> = {stdout: '', stderr: ''};
	readonly #text: Record<LogStream, StringDecoder> = {stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8')};

	/**
	 * `multiplexed: 'detect'` reads it from the stream's first bytes, which only timestamps make
	 * certain: a frame starts with its stream (0, 1 or 2) and three zero bytes, while a TTY's raw
	 * output then starts with the year of its first line's time. It spares asking the daemon
	 * whether the container has a TTY before the logs can be read.
	 */
	constructor(options: {multiplexed: boolean | 'detect'; timestamps: boolean}) {
		if (options.multiplexed === 'detect' && !options.timestamps) throw new Error('a log stream is told apart by its timestamps');
		this.#multiplexed = options.multiplexed === 'detect' ? undefined : options.multiplexed;
		this.#timestamps = options.timestamps;
	}

	push(chunk: Buffer): LogLine[] {
		this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
		if (this.#multiplexed === undefined) {
			if (this.#pending.length < 4) return [];
			this.#multiplexed = this.#pending[0]! <= 2 && this.#pending.readUIntBE(1, 3) === 0;
		}

		if (!this.#multiplexed) {
			const bytes = this.#pending;
			this.#pending = Buffer.alloc(0);
			return this.#lines('stdout', bytes);
		}

		const lines: LogLine[] = [];
		while (this.#pending.length >= headerBytes) {
			const size = this.#pending.readUInt32BE(4);
			if (this.#pending.length < headerBytes + size) break;
			const stream = streams[this.#pending[0]!] ?? 'stdout';
			lines.push(...this.#lines(stream, this.#pending.subarray(headerBytes, headerBytes + size)));
			this.#pending = this.#pending.subarray(headerBytes + size);
		}

		return lines;
	}

	/** What is left when the stream ends: a last line without its newline. */
	end(): LogLine[] {
		// Fewer than four bytes in all: too short for a frame header, so raw output.
		const early = this.#multiplexed === undefined && this.#pending.length > 0 ? this.#lines('stdout', this.#pending) : [];
		this.#pending = Buffer.alloc(0);
		return [
			...early,
			...(['stdout', 'stderr'] as const).flatMap(stream => {
				const rest = this.#partial[stream] + this.#text[stream].end();
				this.#partial[stream] = '';
				return rest === '' ? [] : [this.#line(stream, rest)];
			}),
		];
	}

	#lines(stream: LogStream, bytes: Buffer): LogLine[] {
		const pieces = (this.#partial[stream] + this.#text[stream].write(bytes)).split('\n');
		this.#partial[stream] = pieces.pop() ?? '';
		return pieces.map(piece => this.#line(stream, piece));
	}

	#line(stream: LogStream, raw: string): LogLine {
		// A TTY ends its lines with \r\n.
		const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
		if (!this.#timestamps) return {stream, time: '', text};
		const match = timestamp.exec(text);
		return match ? {stream, time: match[1]!, text: text.slice(match[0].length)} : {stream, time: '', text};
	}
}

export type FollowLogsOptions = {
	/** Lines from the end to start with (default 500). */
	tail?: number;
	follow?: boolean;
	signal: AbortSignal;
	/** Each batch of whole lines, as they arrive. */
	onLines: (lines: LogLine[]) => void;
};

/**
 * The last `tail` lines of a container's logs, then (with `follow`) the new ones until `signal`
 * aborts or the container's output ends. Timestamps always come: the face decides to show them.
 */
export async function followContainerLogs(client: DockerClient, id: string, options: FollowLogsOptions): Promise<void> {
	const query = `stdout=1&stderr=1&timestamps=1&tail=${options.tail ?? 500}&follow=${options.follow === false ? 0 : 1}`;
	await readLogs(client, `/containers/${encodeURIComponent(id)}/logs?${query}`, {multiplexed: 'detect', signal: options.signal, onLines: options.onLines});
}

/**
 * Reads a logs endpoint (a container's, a service's) as timestamped lines, handed over in
 * batches as they arrive, until the stream ends or `signal` aborts.
 */
export async function readLogs(
	client: DockerClient,
	path: string,
	options: {multiplexed: boolean | 'detect'; signal: AbortSignal; onLines: (lines: LogLine[]) => void},
): Promise<void> {
	const stream = await openStream(client, path, options.signal);
	const decoder = new LogDecoder({multiplexed: options.multiplexed, timestamps: true});
	await new Promise<void>((resolve, reject) => {
		stream.on('data', (chunk: Buffer) => {
			const lines = decoder.push(chunk);
			if (lines.length > 0) options.onLines(lines);
		});
		const finish = (): void => {
			const lines = decoder.end();
			if (lines.length > 0) options.onLines(lines);
			resolve();
		};

		stream.once('end', finish);
		stream.once('close', finish);
		stream.once('error', error => {
			if (options.signal.aborted) resolve();
			else reject(error);
		});
	});
}
