import type {Engine} from './engine.js';
import {errorMessage} from './errors.js';
import type {Machine} from './machine.js';
import {stateLabel} from './state.js';
import {queryMachine} from './status.js';
import type {HostRecord} from './store/host.js';

/**
 * The record plus what only the machine can tell: docker-machine's inspect showed persisted
 * data alone (#1582), so scripts had to call status and url as well.
 */
export async function inspectMachine(engine: Engine, machine: Machine): Promise<HostRecord & {State: string; URL: string; DockerVersion: string; Error: string}> {
	try {
		const status = await queryMachine(engine, machine.host, '');
		return {...machine.host, State: stateLabel(status.state), URL: status.url, DockerVersion: status.dockerVersion, Error: status.error};
	} catch (error) {
		return {...machine.host, State: 'Error', URL: '', DockerVersion: '', Error: errorMessage(error)};
	}
}
