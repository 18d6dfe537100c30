// A gob encoder for one stream: each type is defined once, before the first message that needs it.
import {basicIds, firstUserId, goTypeName, GobInterface, writeStructFields, writeWireType, type GoType, type WireType} from './types.js';
import {GobError, Writer} from './wire.js';

type Fields = Extract<GoType, {kind: 'struct'}>['fields'];

/** Whether gob leaves a struct field with this value out (the zero value of its type). */
function isZero(type: GoType, value: unknown): boolean {
	if (value === undefined || value === null) return true;
	switch (type.kind) {
		case 'bool':
		case 'int':
		case 'uint':
		case 'float':
		case 'string': {
			return !value;
		}

		case 'bytes':
		case 'slice': {
			return (value as ArrayLike<unknown>).length === 0;
		}

		case 'map': {
			return value instanceof Map ? value.size === 0 : Object.keys(value).length === 0;
		}

		default: {
			return false;
		}
	}
}

function entriesOf(value: unknown): Array<[unknown, unknown]> {
	if (value instanceof Map) return [...value.entries()];
	return value ? Object.entries(value) : [];
}

/**
 * Encodes values as a stream of gob messages. The ids of the types it defined stay with the
 * encoder, as they do with Go's: one encoder per direction of a connection.
 */
export class Encoder {
	private readonly sent = new Map<string, number>();
	private nextId = firstUserId;

	/** The messages for one top-level value: type definitions it needs first, then the value. */
	encode(type: GoType, value: unknown): Uint8Array {
		const definitions: Uint8Array[] = [];
		const body = new Writer();
		const before = {sent: new Map(this.sent), nextId: this.nextId};
		try {
			body.int(this.typeId(type, definitions));
			this.writeTopLevel(body, type, value, definitions);
		} catch (error) {
			// Nothing was sent, so neither were the definitions: later values define them again.
			this.sent.clear();
			for (const [signature, id] of before.sent) this.sent.set(signature, id);
			this.nextId = before.nextId;
			throw error;
		}

		const out = new Writer();
		for (const message of [...definitions, body.result()]) {
			out.uint(message.length);
			out.raw(message);
		}

		return out.result();
	}

	/** A struct is its fields; any other value goes as a struct's single field, number 0. */
	private writeTopLevel(writer: Writer, type: GoType, value: unknown, definitions: Uint8Array[]): void {
		if (type.kind === 'struct') {
			this.writeStruct(writer, type.fields, value, definitions);
			return;
		}

		writer.uint(0);
		this.writeValue(writer, type, value, definitions);
	}

	private typeId(type: GoType, definitions: Uint8Array[]): number {
		if (type.kind in basicIds) return basicIds[type.kind as keyof typeof basicIds];
		const signature = JSON.stringify(type);
		const known = this.sent.get(signature);
		if (known !== undefined) return known;
		const id = this.nextId++;
		this.sent.set(signature, id);
		const name = goTypeName(type);
		let wire: Exclude<WireType, {kind: 'marshaled'}>;
		switch (type.kind) {
			case 'slice': {
				wire = {kind: 'slice', name, elem: this.typeId(type.elem, definitions)};
				break;
			}

			case 'array': {
				wire = {kind: 'array', name, elem: this.typeId(type.elem, definitions), length: type.length};
				break;
			}

			case 'map': {
				wire = {kind: 'map', name, key: this.typeId(type.key, definitions), elem: this.typeId(type.elem, definitions)};
				break;
			}

			default: {
				const {fields} = type as Extract<GoType, {kind: 'struct'}>;
				wire = {kind: 'struct', name, fields: fields.map(field => ({name: field.name, id: this.typeId(field.type, definitions)}))};
			}
		}

		const definition = new Writer();
		definition.int(-id);
		writeWireType(definition, id, wire);
		definitions.push(definition.result());
		return id;
	}

	private writeStruct(writer: Writer, fields: Fields, value: unknown, definitions: Uint8Array[]): void {
		const record = (value ?? {}) as Record<string, unknown>;
		writeStructFields(
			writer,
			fields.map(field => {
				const fieldValue = record[field.name];
				if (isZero(field.type, fieldValue)) return undefined;
				return () => {
					this.writeValue(writer, field.type, fieldValue, definitions);
				};
			}),
		);
	}

	private writeValue(writer: Writer, type: GoType, value: unknown, definitions: Uint8Array[]): void {
		switch (type.kind) {
			case 'bool': {
				writer.bool(Boolean(value));
				break;
			}

			case 'int': {
				writer.int((value ?? 0) as number | bigint);
				break;
			}

			case 'uint': {
				writer.uint((value ?? 0) as number | bigint);
				break;
			}

			case 'float': {
				writer.float(Number(value ?? 0));
				break;
			}

			case 'bytes': {
				writer.bytesValue((value ?? new Uint8Array()) as Uint8Array);
				break;
			}

			case 'string': {
				writer.string(typeof value === 'string' ? value : '');
				break;
			}

			case 'interface': {
				this.writeInterface(writer, value, definitions);
				break;
			}

			case 'slice':
			case 'array': {
				const items = (value ?? []) as unknown[];
				if (type.kind === 'array' && items.length !== type.length) throw new GobError(`array of ${type.length} given ${items.length} items`);
				writer.uint(items.length);
				for (const item of items) this.writeValue(writer, type.elem, item, definitions);
				break;
			}

			case 'map': {
				const entries = entriesOf(value);
				writer.uint(entries.length);
				for (const [key, item] of entries) {
					this.writeValue(writer, type.key, key, definitions);
					this.writeValue(writer, type.elem, item, definitions);
				}

				break;
			}

			case 'struct': {
				this.writeStruct(writer, type.fields, value, definitions);
				break;
			}
		}
	}

	/** The registered name, the concrete type's id, then the value with its byte count; nil is an empty name. */
	private writeInterface(writer: Writer, value: unknown, definitions: Uint8Array[]): void {
		if (value === undefined || value === null) {
			writer.uint(0);
			return;
		}

		if (!(value instanceof GobInterface) || !value.type) throw new GobError('an interface value needs its registered name and Go type');
		writer.string(value.name);
		writer.int(this.typeId(value.type, definitions));
		const inner = new Writer();
		this.writeTopLevel(inner, value.type, value.value, definitions);
		writer.uint(inner.size);
		writer.raw(inner.result());
	}
}
