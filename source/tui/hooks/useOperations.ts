import {useEffect, useState} from 'react';
import type {Operation, OperationRunner} from '../../engine/index.js';

/**
 * The runner's operations. It changes them in place (log lines, state), so every report
 * produces a new array to make React draw again.
 */
export function useOperations(runner: OperationRunner): readonly Operation[] {
	const [operations, setOperations] = useState(() => [...runner.list()]);
	useEffect(() => {
		setOperations([...runner.list()]);
		return runner.subscribe(() => {
			setOperations([...runner.list()]);
		});
	}, [runner]);
	return operations;
}
