import {useEffect, useState} from 'react';
import type {Operation, OperationRunner} from '../../engine/index.js';

/**
 * The runner's operations, and when they were last read. It changes them in place (log lines,
 * state), so every report produces a new array to make React draw again. `at` is the clock for
 * the durations drawn from them: read when the data is, as a render must not read the clock.
 */
export function useOperations(runner: OperationRunner): {operations: readonly Operation[]; at: number} {
	const [state, setState] = useState(() => ({operations: [...runner.list()], at: Date.now()}));
	useEffect(() => {
		const read = () => {
			setState({operations: [...runner.list()], at: Date.now()});
		};

		read();
		return runner.subscribe(read);
	}, [runner]);
	return state;
}
