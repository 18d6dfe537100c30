import type {Command} from '../cli/command.js';
import {boolOption, MachinistError, regenerateCertificates, rotateClientCertificates} from '../engine/index.js';
import {printProgress} from './progress.js';
import {forEachMachine} from './targets.js';

const regenerateCerts: Command = {
	operands: 'machines',
	flags: [
		{name: 'force', short: 'f', type: 'bool', description: 'Force rebuild and do not prompt'},
		{name: 'client-certs', type: 'bool', description: 'Also regenerate client certificates and CA.'},
	],
	async run(input) {
		if (!boolOption(input.flags, 'force')) {
			const answer = await input.terminal.readLine('Regenerate TLS machine certs?  Warning: this is irreversible. (y/n): ');
			if (answer === undefined)
				throw new MachinistError('Error: no answer to "Regenerate TLS machine certs?" (no input): pass -f to regenerate without asking');
			if (!/^y/i.test(answer.trim())) return;
		}

		const progress = printProgress(input.terminal);
		progress({type: 'step', message: 'Regenerating TLS certificates'});
		if (boolOption(input.flags, 'client-certs')) {
			progress({type: 'step', message: 'Regenerating local certificates'});
			await rotateClientCertificates(input.engine, progress);
		}

		await forEachMachine(input, async machine => regenerateCertificates(input.engine, machine, {progress}));
	},
};

export default regenerateCerts;
