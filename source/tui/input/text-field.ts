import {scopeCommand} from '../keymap.js';
import type {Key} from './keys.js';

/** A one-line text box: its text and where the caret is, in characters (code points). */
export type TextField = {value: string; caret: number};

/**
 * What a key or a paste types into a one-line box: line breaks inside become spaces, those at
 * the end and other control characters go.
 */
export function typedText(text: string): string {
	return text
		.replace(/[\r\n]+$/, '')
		.replaceAll(/\r\n|[\r\n]/g, ' ')
		.replaceAll(/[\u0000-\u001F\u007F]/g, '');
}

/** The box after a key, or undefined when the key is not the box's (Tab, Enter, arrows up and down). */
export function editText(field: TextField, key: Key): TextField | undefined {
	const characters = [...field.value];
	const caret = Math.min(Math.max(field.caret, 0), characters.length);
	const result = (next: string[], at: number): TextField => ({value: next.join(''), caret: at});
	switch (scopeCommand('text', key.name)) {
		case 'caretLeft': {
			return result(characters, Math.max(caret - 1, 0));
		}

		case 'caretRight': {
			return result(characters, Math.min(caret + 1, characters.length));
		}

		case 'caretStart': {
			return result(characters, 0);
		}

		case 'caretEnd': {
			return result(characters, characters.length);
		}

		case 'eraseBefore': {
			if (caret === 0) return result(characters, caret);
			return result(characters.toSpliced(caret - 1, 1), caret - 1);
		}

		case 'eraseAt': {
			return result(characters.toSpliced(caret, 1), caret);
		}

		case 'eraseToStart': {
			return result(characters.slice(caret), 0);
		}

		default: {
			if (key.text === undefined) return undefined;
			const typed = [...typedText(key.text)];
			return result(characters.toSpliced(caret, 0, ...typed), caret + typed.length);
		}
	}
}
