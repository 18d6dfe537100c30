// Gob's type system: the Go types the encoder describes, the wire types a stream defines, and
// the wireType struct that carries a definition (encoding/gob documentation, "Types on the wire").
import {GobError, type Reader, type Writer} from './wire.js';

/** A Go type, as the encoder needs to know it: gob sends types by structure, not by name. */
export type GoType =
	| {readonly kind: 'bool' | 'int' | 'uint' | 'float' | 'bytes' | 'string' | 'interface'}
	| {readonly kind: 'slice'; readonly elem: GoType}
	| {readonly kind: 'array'; readonly elem: GoType; readonly length: number}
	| {readonly kind: 'map'; readonly key: GoType; readonly elem: GoType}
	| {readonly kind: 'struct'; readonly name: string; readonly fields: ReadonlyArray<{readonly name: string; readonly type: GoType}>};

/** Builders for Go types; a struct's fields in declaration order. */
export const go = {
	bool: {kind: 'bool'},
	int: {kind: 'int'},
	uint: {kind: 'uint'},
	float: {kind: 'float'},
	bytes: {kind: 'bytes'},
	string: {kind: 'string'},
	interface: {kind: 'interface'},
	sliceOf: (elem: GoType): GoType => ({kind: 'slice', elem}),
	arrayOf: (elem: GoType, length: number): GoType => ({kind: 'array', elem, length}),
	mapOf: (key: GoType, elem: GoType): GoType => ({kind: 'map', key, elem}),
	struct: (name: string, fields: Readonly<Record<string, GoType>>): GoType => ({
		kind: 'struct',
		name,
		fields: Object.entries(fields).map(([fieldName, type]) => ({name: fieldName, type})),
	}),
} as const satisfies Record<string, GoType | ((...parameters: any[]) => GoType)>;

/** A value of an interface type: the name its concrete type was registered under (gob.Register), and the value. */
export class GobInterface {
	constructor(
		readonly name: string,
		readonly value: unknown,
		/** How to encode the value; decoded values have none. */
		readonly type?: GoType,
	) {}
}

/** The ids gob predefines; user types start at 65. */
export const basicIds = {bool: 1, int: 2, uint: 3, float: 4, bytes: 5, string: 6, complex: 7, interface: 8} as const;
export const firstUserId = 65;

/** A type a stream defined, its parts named by id. */
export type WireType =
	| {kind: 'array'; name: string; elem: number; length: number}
	| {kind: 'slice'; name: string; elem: number}
	| {kind: 'struct'; name: string; fields: Array<{name: string; id: number}>}
	| {kind: 'map'; name: string; key: number; elem: number}
	/** GobEncoder, BinaryMarshaler, TextMarshaler: the value is the bytes its method gave. */
	| {kind: 'marshaled'; name: string};

/** The name Go's reflect gives a type, which gob sends as CommonType.Name. */
export function goTypeName(type: GoType): string {
	switch (type.kind) {
		case 'bytes': {
			return '[]uint8';
		}

		case 'float': {
			return 'float64';
		}

		case 'interface': {
			return 'interface {}';
		}

		case 'slice': {
			return `[]${goTypeName(type.elem)}`;
		}

		case 'array': {
			return `[${type.length}]${goTypeName(type.elem)}`;
		}

		case 'map': {
			return `map[${goTypeName(type.key)}]${goTypeName(type.elem)}`;
		}

		case 'struct': {
			return type.name;
		}

		default: {
			return type.kind;
		}
	}
}

/** A struct's fields by number; an undefined writer is a zero field, which gob leaves out. */
export function writeStructFields(writer: Writer, fields: ReadonlyArray<(() => unknown) | undefined>): void {
	let last = -1;
	for (const [index, write] of fields.entries()) {
		if (!write) continue;
		writer.uint(index - last);
		last = index;
		write();
	}

	writer.uint(0);
}

/** Reads a struct's fields by number until its end mark. */
export function readStructFields(reader: Reader, read: (field: number) => void): void {
	let field = -1;
	for (let delta = reader.count(); delta !== 0; delta = reader.count()) {
		field += delta;
		read(field);
	}
}

const wireFieldOf = {array: 0, slice: 1, struct: 2, map: 3} as const;

/** wireType{ArrayT, SliceT, StructT, MapT, GobEncoderT, BinaryMarshalerT, TextMarshalerT}, one of them set. */
export function writeWireType(writer: Writer, id: number, wire: Exclude<WireType, {kind: 'marshaled'}>): void {
	const common = () => {
		writeStructFields(writer, [wire.name ? () => writer.string(wire.name) : undefined, () => writer.int(id)]);
	};

	const body = (): void => {
		switch (wire.kind) {
			case 'array': {
				writeStructFields(writer, [common, () => writer.int(wire.elem), () => writer.int(wire.length)]);
				break;
			}

			case 'slice': {
				writeStructFields(writer, [common, () => writer.int(wire.elem)]);
				break;
			}

			case 'map': {
				writeStructFields(writer, [common, () => writer.int(wire.key), () => writer.int(wire.elem)]);
				break;
			}

			case 'struct': {
				const fields =
					wire.fields.length === 0
						? undefined
						: () => {
								writer.uint(wire.fields.length);
								for (const field of wire.fields) {
									writeStructFields(writer, [field.name ? () => writer.string(field.name) : undefined, () => writer.int(field.id)]);
								}
							};

				writeStructFields(writer, [common, fields]);
				break;
			}
		}
	};

	const slots: Array<(() => unknown) | undefined> = [undefined, undefined, undefined, undefined];
	slots[wireFieldOf[wire.kind]] = body;
	writeStructFields(writer, slots);
}

function readCommon(reader: Reader): string {
	let name = '';
	readStructFields(reader, field => {
		if (field === 0) name = reader.string();
		else if (field === 1) reader.int();
		else throw new GobError(`CommonType has no field ${field}`);
	});
	return name;
}

function smallInt(reader: Reader): number {
	const value = reader.int();
	if (typeof value !== 'number') throw new GobError(`type id ${value} out of range`);
	return value;
}

function readFieldTypes(reader: Reader): Array<{name: string; id: number}> {
	const count = reader.count();
	const fields: Array<{name: string; id: number}> = [];
	for (let index = 0; index < count; index++) {
		const field = {name: '', id: 0};
		readStructFields(reader, number => {
			if (number === 0) field.name = reader.string();
			else if (number === 1) field.id = smallInt(reader);
			else throw new GobError(`fieldType has no field ${number}`);
		});
		fields.push(field);
	}

	return fields;
}

/** Reads one of wireType's inner structs: CommonType first, then the kind's own fields. */
function readInner(reader: Reader, kind: number): WireType {
	let name = '';
	const numbers: number[] = [];
	let fields: Array<{name: string; id: number}> = [];
	readStructFields(reader, field => {
		if (field === 0) name = readCommon(reader);
		else if (kind === 2 && field === 1) fields = readFieldTypes(reader);
		else if (kind < 4 && field <= 2) numbers[field] = smallInt(reader);
		else throw new GobError(`wire type ${kind} has no field ${field}`);
	});
	const [, first = 0, second = 0] = numbers;

	switch (kind) {
		case 0: {
			return {kind: 'array', name, elem: first, length: second};
		}

		case 1: {
			return {kind: 'slice', name, elem: first};
		}

		case 2: {
			return {kind: 'struct', name, fields};
		}

		case 3: {
			return {kind: 'map', name, key: first, elem: second};
		}

		default: {
			return {kind: 'marshaled', name};
		}
	}
}

export function readWireType(reader: Reader): WireType {
	let wire: WireType | undefined;
	readStructFields(reader, field => {
		if (field > 6) throw new GobError(`wireType has no field ${field}`);
		wire = readInner(reader, field);
	});
	if (!wire) throw new GobError('empty type definition');
	return wire;
}
