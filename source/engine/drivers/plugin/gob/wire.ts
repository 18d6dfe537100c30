// Gob's primitive encodings (encoding/gob documentation, "Encoding details"): unsigned and signed
// integers, floats, and length-prefixed byte strings.

/** Thrown while decoding when the stream holds too few bytes yet; the caller waits for more. */
export class IncompleteError extends Error {
	constructor() {
		super('gob: incomplete message');
		this.name = 'IncompleteError';
	}
}

export class GobError extends Error {
	constructor(message: string) {
		super(`gob: ${message}`);
		this.name = 'GobError';
	}
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** A growable byte buffer with gob's writers. */
export class Writer {
	private bytes = new Uint8Array(64);
	private length = 0;

	get size(): number {
		return this.length;
	}

	result(): Uint8Array {
		return this.bytes.slice(0, this.length);
	}

	raw(data: Uint8Array): this {
		this.reserve(data.length);
		this.bytes.set(data, this.length);
		this.length += data.length;
		return this;
	}

	/** Below 128: one byte; above: the negated byte count, then the bytes, big-endian. */
	uint(value: number | bigint): this {
		let big = BigInt(value);
		if (big < 0n) throw new GobError(`negative unsigned value ${big}`);
		if (big < 128n) {
			this.byte(Number(big));
			return this;
		}

		const digits: number[] = [];
		while (big > 0n) {
			digits.unshift(Number(big & 0xffn));
			big >>= 8n;
		}

		this.byte(256 - digits.length);
		return this.raw(Uint8Array.from(digits));
	}

	/** Bit 0 says whether to complement; the rest is the magnitude shifted left. */
	int(value: number | bigint): this {
		const big = BigInt(value);
		return this.uint(big < 0n ? ((-big - 1n) << 1n) | 1n : big << 1n);
	}

	/** The float64's bits, byte-reversed, as an unsigned integer. */
	float(value: number): this {
		const view = new DataView(new ArrayBuffer(8));
		view.setFloat64(0, value, true);
		return this.uint(view.getBigUint64(0, false));
	}

	bool(value: boolean): this {
		return this.uint(value ? 1 : 0);
	}

	bytesValue(data: Uint8Array): this {
		return this.uint(data.length).raw(data);
	}

	string(text: string): this {
		return this.bytesValue(textEncoder.encode(text));
	}

	private byte(value: number): void {
		this.reserve(1);
		this.bytes[this.length++] = value;
	}

	private reserve(extra: number): void {
		if (this.length + extra <= this.bytes.length) return;
		const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
		grown.set(this.bytes.subarray(0, this.length));
		this.bytes = grown;
	}
}

/** A number when it fits exactly, a bigint otherwise. */
function narrow(value: bigint): number | bigint {
	return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}

/**
 * Reads gob's primitives from a stream of length-prefixed messages. A value may run across
 * messages only where gob says so (an interface's type definitions); everywhere else a read
 * past the current message is corrupt data.
 */
export class Reader {
	private data = new Uint8Array(0);
	private position = 0;
	private messageEnd = 0;

	push(chunk: Uint8Array): void {
		const joined = new Uint8Array(this.data.length - this.position + chunk.length);
		joined.set(this.data.subarray(this.position));
		joined.set(chunk, this.data.length - this.position);
		this.messageEnd -= this.position;
		this.data = joined;
		this.position = 0;
	}

	mark(): {position: number; messageEnd: number} {
		return {position: this.position, messageEnd: this.messageEnd};
	}

	reset(mark: {position: number; messageEnd: number}): void {
		this.position = mark.position;
		this.messageEnd = mark.messageEnd;
	}

	get messageLeft(): number {
		return this.messageEnd - this.position;
	}

	get streamLeft(): number {
		return this.data.length - this.position;
	}

	/** Starts the next message: its length, then the whole of it must be there. */
	nextMessage(): void {
		if (this.messageLeft > 0) throw new GobError('extra data in buffer');
		const first = this.data[this.position];
		if (first === undefined || (first >= 128 && this.position + 1 + 256 - first > this.data.length)) throw new IncompleteError();
		this.messageEnd = this.data.length;
		const length = this.uint();
		if (typeof length !== 'number' || length > 1 << 30) throw new GobError(`message of ${String(length)} bytes`);
		if (this.position + length > this.data.length) throw new IncompleteError();
		this.messageEnd = this.position + length;
	}

	uint(): number | bigint {
		const first = this.byte();
		if (first < 128) return first;
		const count = 256 - first;
		if (count > 8) throw new GobError('unsigned integer of more than 8 bytes');
		let value = 0n;
		for (let index = 0; index < count; index++) value = (value << 8n) | BigInt(this.byte());
		return narrow(value);
	}

	/** An unsigned integer that must be a small count (lengths, field deltas, type ids). */
	count(): number {
		const value = this.uint();
		if (typeof value !== 'number' || value > 1 << 30) throw new GobError(`count ${String(value)} too large`);
		return value;
	}

	int(): number | bigint {
		const raw = BigInt(this.uint());
		return narrow(raw & 1n ? -(raw >> 1n) - 1n : raw >> 1n);
	}

	float(): number {
		const view = new DataView(new ArrayBuffer(8));
		view.setBigUint64(0, BigInt(this.uint()), false);
		return view.getFloat64(0, true);
	}

	bool(): boolean {
		return this.uint() !== 0;
	}

	bytes(): Uint8Array {
		const length = this.count();
		if (length > this.messageLeft) throw this.pastEnd();
		const slice = this.data.slice(this.position, this.position + length);
		this.position += length;
		return slice;
	}

	string(): string {
		return textDecoder.decode(this.bytes());
	}

	private byte(): number {
		if (this.position >= this.messageEnd) throw this.pastEnd();
		return this.data[this.position++]!;
	}

	private pastEnd(): Error {
		return new GobError('read past the end of a message');
	}
}
