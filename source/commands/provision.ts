import {provisionMachine} from '../engine/index.js';
import {machineActionCommand} from './targets.js';

export default machineActionCommand(async (input, machine, progress) => provisionMachine(input.engine, machine, {progress}));
