import {useEffect, useState} from 'react';
import {type Engine, errorMessage, machineDetails, type MachineDetails} from '../../engine/index.js';

export type DetailsState = {details?: MachineDetails; error?: string};

/** Reads a machine's details, again whenever `version` changes (an operation on it ended). */
export function useMachineDetails(engine: Engine, name: string, version: number): DetailsState {
	const [state, setState] = useState<DetailsState>({});
	useEffect(() => {
		let current = true;
		machineDetails(engine, name).then(
			details => {
				if (current) setState({details});
			},
			(error: unknown) => {
				if (current) setState({error: errorMessage(error)});
			},
		);
		return () => {
			current = false;
		};
	}, [engine, name, version]);
	return state;
}
