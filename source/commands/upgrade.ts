import {upgradeMachine} from '../engine/index.js';
import {machineActionCommand} from './targets.js';

export default machineActionCommand('upgrade', 'Upgrade a machine to the latest version of Docker', async (input, machine, progress) =>
	upgradeMachine(input.engine, machine, {progress}),
);
