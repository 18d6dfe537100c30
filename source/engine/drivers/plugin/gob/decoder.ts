// A gob decoder for one stream, into plain values: structs as objects (every field of the wire
// type present, zero when not sent), maps with string keys as objects, others as Maps, interface
// values as GobInterface.
import {basicIds, GobInterface, readStructFields, readWireType, type WireType} from './types.js';
import {GobError, IncompleteError, Reader} from './wire.js';

export class Decoder {
	private readonly reader = new Reader();
	private readonly types = new Map<number, WireType>();

	push(chunk: Uint8Array): void {
		this.reader.push(chunk);
	}

	/** The next top-level value, or undefined while the stream holds no whole one yet. */
	next(): {value: unknown} | undefined {
		const mark = this.reader.mark();
		try {
			return {value: this.topLevel(this.typeSequence(false))};
		} catch (error) {
			if (!(error instanceof IncompleteError)) throw error;
			this.reader.reset(mark);
			return undefined;
		}
	}

	/** Every value the stream holds in whole. */
	*values(): Generator {
		for (let next = this.next(); next; next = this.next()) yield next.value;
	}

	/**
	 * Type definitions up to a value's type id, as Go's decodeTypeSequence reads them: inside an
	 * interface, a definition may be followed by the byte count of the message that resumes.
	 */
	private typeSequence(inInterface: boolean): number {
		for (;;) {
			if (this.reader.messageLeft === 0) this.reader.nextMessage();
			const id = this.reader.int();
			if (typeof id !== 'number') throw new GobError(`type id ${id} out of range`);
			if (id >= 0) return id;
			this.types.set(-id, readWireType(this.reader));
			if (this.reader.messageLeft > 0) {
				if (!inInterface) throw new GobError('extra data in buffer');
				this.reader.uint();
			}
		}
	}

	private wire(id: number): WireType {
		const wire = this.types.get(id);
		if (!wire) throw new GobError(`type id ${id} used before it was defined`);
		return wire;
	}

	private topLevel(id: number): unknown {
		if (this.types.get(id)?.kind === 'struct') return this.value(id);
		if (this.reader.uint() !== 0) throw new GobError('non-zero field number for a single value');
		return this.value(id);
	}

	private value(id: number): unknown {
		switch (id) {
			case basicIds.bool: {
				return this.reader.bool();
			}

			case basicIds.int: {
				return this.reader.int();
			}

			case basicIds.uint: {
				return this.reader.uint();
			}

			case basicIds.float: {
				return this.reader.float();
			}

			case basicIds.bytes: {
				return this.reader.bytes();
			}

			case basicIds.string: {
				return this.reader.string();
			}

			case basicIds.complex: {
				return {real: this.reader.float(), imag: this.reader.float()};
			}

			case basicIds.interface: {
				return this.interfaceValue();
			}

			default: {
				return this.composite(this.wire(id));
			}
		}
	}

	private composite(wire: WireType): unknown {
		switch (wire.kind) {
			case 'slice':
			case 'array': {
				const count = this.reader.count();
				if (wire.kind === 'array' && count !== wire.length) throw new GobError(`array of ${wire.length} sent with ${count} items`);
				return Array.from({length: count}, () => this.value(wire.elem));
			}

			case 'map': {
				const count = this.reader.count();
				const entries = Array.from({length: count}, () => [this.value(wire.key), this.value(wire.elem)] as [unknown, unknown]);
				return wire.key === basicIds.string ? Object.fromEntries(entries) : new Map(entries);
			}

			case 'struct': {
				const result: Record<string, unknown> = {};
				for (const field of wire.fields) result[field.name] = this.zero(field.id);
				readStructFields(this.reader, number => {
					const field = wire.fields[number];
					if (!field) throw new GobError(`${wire.name} has no field ${number}`);
					result[field.name] = this.value(field.id);
				});
				return result;
			}

			case 'marshaled': {
				return this.reader.bytes();
			}
		}
	}

	private zero(id: number): unknown {
		switch (id) {
			case basicIds.bool: {
				return false;
			}

			case basicIds.int:
			case basicIds.uint:
			case basicIds.float: {
				return 0;
			}

			case basicIds.bytes: {
				return new Uint8Array();
			}

			case basicIds.string: {
				return '';
			}

			default: {
				const kind = this.types.get(id)?.kind;
				if (kind === 'slice') return [];
				if (kind === 'map') return (this.types.get(id) as {key: number}).key === basicIds.string ? {} : new Map();
				return null;
			}
		}
	}

	/** The registered name (empty for nil), the concrete type (defined here if new), its byte count, the value. */
	private interfaceValue(): GobInterface | null {
		const name = this.reader.string();
		if (name === '') return null;
		const id = this.typeSequence(true);
		this.reader.uint();
		return new GobInterface(name, this.topLevel(id));
	}
}
