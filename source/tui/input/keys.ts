import {StringDecoder} from 'node:string_decoder';

/**
 * Raw terminal input cut into keys. A read from the terminal can hold many keys (fast typing,
 * key repeat over a slow link, tmux's send-keys, a paste) or part of one (an escape sequence or
 * a UTF-8 character split between reads); the app must see each key once, in order.
 */
export type Key = {
	/** As the keymap spells it: a character, `up`, `enter`, `escape`, `ctrl+r`, `shift+tab`, `space`, `f5`, `paste`. */
	name: string;
	/** What the key types into a text box: its character, or the whole of a paste. */
	text?: string;
};

const escape = '\u001B';
const pasteStart = `${escape}[200~`;
const pasteEnd = `${escape}[201~`;

const csiLetters: Record<string, string> = {
	A: 'up',
	B: 'down',
	C: 'right',
	D: 'left',
	E: 'begin',
	F: 'end',
	H: 'home',
	P: 'f1',
	Q: 'f2',
	R: 'f3',
	S: 'f4',
	Z: 'shift+tab',
};
const ss3Letters: Record<string, string> = {...csiLetters, M: 'enter'};
const tildeNumbers: Record<number, string> = {
	1: 'home',
	2: 'insert',
	3: 'delete',
	4: 'end',
	5: 'pageup',
	6: 'pagedown',
	7: 'home',
	8: 'end',
	11: 'f1',
	12: 'f2',
	13: 'f3',
	14: 'f4',
	15: 'f5',
	17: 'f6',
	18: 'f7',
	19: 'f8',
	20: 'f9',
	21: 'f10',
	23: 'f11',
	24: 'f12',
};
// The Linux console's F1-F5: ESC [ [ A … E.
const consoleLetters: Record<string, string> = {A: 'f1', B: 'f2', C: 'f3', D: 'f4', E: 'f5'};
const controlNames: Record<number, string> = {
	0x00: 'ctrl+space',
	0x08: 'backspace',
	0x09: 'tab',
	0x0a: 'enter',
	0x0d: 'enter',
	0x1c: 'ctrl+\\',
	0x1d: 'ctrl+]',
	0x1e: 'ctrl+^',
	0x1f: 'ctrl+_',
	0x7f: 'backspace',
};

/** xterm's modifier parameter (1 + shift 1, alt 2, ctrl 4) as a name prefix. */
function withModifiers(name: string, parameter: string | undefined): string {
	const bits = Number(parameter ?? 1) - 1;
	if (!(bits > 0)) return name;
	return `${bits & 4 ? 'ctrl+' : ''}${bits & 2 ? 'alt+' : ''}${bits & 1 ? 'shift+' : ''}${name}`;
}

function characterKey(character: string): Key | undefined {
	const code = character.codePointAt(0)!;
	if (character === ' ') return {name: 'space', text: ' '};
	if (controlNames[code]) return {name: controlNames[code]};
	if (code < 0x20) return {name: `ctrl+${String.fromCodePoint(code + 0x60)}`};
	// C1 controls carry no key.
	if (code >= 0x80 && code < 0xa0) return undefined;
	return {name: character, text: character};
}

/** A CSI sequence's key; undefined for ones that name no key (they are dropped whole). */
function csiKey(parameters: string, final: string): Key | undefined {
	if (parameters.startsWith('[')) return consoleLetters[final] ? {name: consoleLetters[final]} : undefined;
	const [first, modifier] = parameters.split(';');
	if (final === '~') {
		const name = tildeNumbers[Number(first)];
		return name ? {name: withModifiers(name, modifier)} : undefined;
	}

	const name = csiLetters[final];
	return name ? {name: final === 'Z' ? name : withModifiers(name, modifier)} : undefined;
}

type Parsed = {keys: Key[]; rest: string; pasting?: string};

/**
 * Cuts `input` into keys. `rest` is an unfinished escape sequence at its end, kept for the next
 * read unless `final` (no more input is coming soon: a lone ESC is the Escape key).
 */
function parse(input: string, final: boolean): Parsed {
	const keys: Key[] = [];
	let index = 0;
	while (index < input.length) {
		const character = String.fromCodePoint(input.codePointAt(index)!);
		if (character !== escape) {
			const key = characterKey(character);
			if (key) keys.push(key);
			index += character.length;
			continue;
		}

		const kind = input[index + 1];
		if (kind === undefined) {
			if (!final) return {keys, rest: input.slice(index)};
			keys.push({name: 'escape'});
			index++;
			continue;
		}

		if (kind === '[') {
			// Parameters (and the console's extra `[`), intermediates, then the final byte.
			const match = /^\[(\[?[\d;:<=>?]*)[ -/]*([@-~])/.exec(input.slice(index + 1));
			if (match) {
				index += 1 + match[0].length;
				if (`${escape}${match[0]}` === pasteStart) return pasteFrom(keys, input.slice(index), final);
				const key = csiKey(match[1]!, match[2]!);
				if (key) keys.push(key);
				continue;
			}

			if (/^\[\[?[\d;:<=>?]*[ -/]*$/.test(input.slice(index + 1)) && !final) return {keys, rest: input.slice(index)};
		} else if (kind === 'O') {
			const letter = input[index + 2];
			if (letter === undefined && !final) return {keys, rest: input.slice(index)};
			if (letter !== undefined && /[@-~]/.test(letter)) {
				index += 3;
				if (ss3Letters[letter]) keys.push({name: ss3Letters[letter]});
				continue;
			}
		}

		// ESC before anything else is the Escape key, and what follows is a key of its own: the
		// app binds no Alt chords, and a fast Esc-then-key must not lose either.
		keys.push({name: 'escape'});
		index++;
	}

	return {keys, rest: ''};
}

/** Inside a bracketed paste: everything up to its end marker is text. */
function pasteFrom(keys: Key[], input: string, final: boolean): Parsed {
	const end = input.indexOf(pasteEnd);
	if (end === -1) return {keys, rest: '', pasting: input};
	keys.push({name: 'paste', text: input.slice(0, end)});
	const after = parse(input.slice(end + pasteEnd.length), final);
	return {...after, keys: [...keys, ...after.keys]};
}

export type KeyReader = {
	/** The keys completed by this read, in order. */
	push(chunk: Buffer | string): Key[];
	/** No more input came: an escape sequence left unfinished was the Escape key and characters. */
	flush(): Key[];
	/** An unfinished escape sequence waits for the next read (flush it if none comes soon). */
	waiting(): boolean;
};

export function createKeyReader(): KeyReader {
	const decoder = new StringDecoder('utf8');
	let rest = '';
	let pasting: string | undefined;
	const take = (text: string, final: boolean): Key[] => {
		let parsed: Parsed;
		if (pasting === undefined) {
			parsed = parse(rest + text, final);
		} else {
			const pasted = pasting;
			pasting = undefined;
			parsed = pasteFrom([], pasted + text, final);
		}

		rest = parsed.rest;
		pasting = parsed.pasting;
		return parsed.keys;
	};

	return {
		push(chunk) {
			return take(typeof chunk === 'string' ? chunk : decoder.write(chunk), false);
		},
		flush() {
			return rest === '' ? [] : take('', true);
		},
		waiting() {
			return rest !== '';
		},
	};
}

/** Every key in a string, as if it arrived in one read and nothing followed. */
export function keysOf(input: string): Key[] {
	const reader = createKeyReader();
	return [...reader.push(input), ...reader.flush()];
}

/**
 * Terminal modes the reader relies on: bracketed paste, so that a paste arrives marked as text
 * and is never taken for commands. Written on entering the app, undone on every way out.
 */
export const bracketedPasteOn = `${escape}[?2004h`;
export const bracketedPasteOff = `${escape}[?2004l`;
