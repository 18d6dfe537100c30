import {upgradeMachine} from '../engine/index.js';
import {machineActionCommand} from './targets.js';

export default machineActionCommand(async (input, machine, progress) => upgradeMachine(input.engine, machine, {progress}));
