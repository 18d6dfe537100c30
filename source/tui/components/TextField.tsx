import {Text} from 'ink';

/** A one-line text box drawn with its caret; the keys reach it through the app's reducer. */
export function TextField({value, caret}: {readonly value: string; readonly caret: number}) {
	const characters = [...value];
	const at = Math.min(Math.max(caret, 0), characters.length);
	return (
		<Text>
			{characters.slice(0, at).join('')}
			<Text inverse>{characters[at] ?? ' '}</Text>
			{characters.slice(at + 1).join('')}
		</Text>
	);
}
