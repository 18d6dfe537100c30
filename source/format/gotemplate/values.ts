/** How JSON-like data stands for Go values: their kind, Go type name and truth. */

/** Marks an object as a Go struct: its missing fields are errors instead of `<no value>`. */
export const strictFields = Symbol('strictFields');

type Kind = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'struct' | 'other';

export function kindOf(value: unknown): Kind {
	switch (typeof value) {
		case 'undefined': {
			return 'nil';
		}

		case 'boolean': {
			return 'bool';
		}

		case 'number': {
			return Number.isInteger(value) && Math.abs(value) < 1e21 ? 'int' : 'float';
		}

		case 'string': {
			return 'string';
		}

		case 'object': {
			if (value === null) return 'nil';
			if (Array.isArray(value)) return 'slice';
			return (value as {[strictFields]?: unknown})[strictFields] === true ? 'struct' : 'map';
		}

		default: {
			return 'other';
		}
	}
}

export function isNil(value: unknown): value is null | undefined {
	return value === undefined || value === null;
}

/** The Go type the value stands for, as Go's messages spell it. */
export function typeName(value: unknown): string {
	switch (kindOf(value)) {
		case 'nil': {
			return '<nil>';
		}

		case 'bool': {
			return 'bool';
		}

		case 'string': {
			return 'string';
		}

		case 'int': {
			return 'int';
		}

		case 'float': {
			return 'float64';
		}

		case 'slice': {
			return '[]interface {}';
		}

		case 'map': {
			return 'map[string]interface {}';
		}

		case 'struct': {
			const {constructor} = value as object;
			return constructor === Object || typeof constructor !== 'function' ? 'struct' : constructor.name;
		}

		default: {
			return typeof value === 'function' ? 'func' : typeof value;
		}
	}
}

export function isTrue(value: unknown): boolean {
	switch (kindOf(value)) {
		case 'nil': {
			return false;
		}

		case 'bool': {
			return value as boolean;
		}

		case 'int':
		case 'float': {
			return value !== 0;
		}

		case 'string':
		case 'slice': {
			return (value as string | unknown[]).length > 0;
		}

		case 'map': {
			return Object.keys(value as object).length > 0;
		}

		default: {
			return true;
		}
	}
}

/** Go's fmt and text/template visit map keys in sorted order. */
export function sortedKeys(map: object): string[] {
	return Object.keys(map).sort();
}
