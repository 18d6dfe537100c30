import {useStdin} from 'ink';
import {useEffect, useRef} from 'react';
import {createKeyReader, type Key} from '../input/keys.js';

/**
 * How long an ESC that ends a read waits for the rest of an escape sequence before it counts as
 * the Escape key. Terminals write a sequence in one go; this only covers a link that splits it.
 */
export const escapeWaitMs = 50;

/**
 * The app's one reader of the terminal: raw bytes from stdin, cut into keys, handed over one at
 * a time in the order they were typed. Nothing else in the app reads stdin (Ink's useInput
 * gets whole reads, and its handlers change only after React draws).
 */
export function useKeyboard(onKey: (key: Key) => void): void {
	const {stdin} = useStdin();
	const handler = useRef(onKey);
	handler.current = onKey;
	useEffect(() => {
		const reader = createKeyReader();
		let timer: NodeJS.Timeout | undefined;
		const deliver = (keys: Key[]) => {
			for (const key of keys) handler.current(key);
		};

		const onData = (chunk: Buffer | string) => {
			clearTimeout(timer);
			deliver(reader.push(chunk));
			if (reader.waiting()) {
				timer = setTimeout(() => {
					deliver(reader.flush());
				}, escapeWaitMs);
			}
		};

		if (stdin.isTTY) stdin.setRawMode(true);
		stdin.ref();
		stdin.on('data', onData);
		return () => {
			clearTimeout(timer);
			stdin.off('data', onData);
			if (stdin.isTTY) stdin.setRawMode(false);
			stdin.pause();
			stdin.unref();
		};
	}, [stdin]);
}
