import type {Command} from '../cli/command.js';
import {errorMessage, goJson, inspectMachine, loadMachine, MachinistError, serializeHost, stringOption} from '../engine/index.js';
import {parseTemplate, TemplateError} from '../format/gotemplate/index.js';
import {singleTarget} from './targets.js';

const inspect: Command = {
	operands: 'machine',
	argsUsage: '[NAME]',
	flags: [
		{
			name: 'format',
			short: 'f',
			type: 'string',
			description: 'Format the output using the given go template, or "json" for the record with its live State and URL',
		},
	],
	async run(input) {
		if (input.args.length > 1) {
			input.showHelp();
			throw new MachinistError('Error: Expected one machine name as an argument');
		}

		const machine = await loadMachine(input.engine, await singleTarget(input));
		const format = stringOption(input.flags, 'format');
		const {stdout} = input.terminal;
		if (format === '') {
			stdout.write(`${serializeHost(machine.host)}\n`);
			return;
		}

		if (format === 'json') {
			stdout.write(`${goJson(await inspectMachine(input.engine, machine), '    ')}\n`);
			return;
		}

		try {
			// As docker-machine: the template sees the record as generic JSON (keys = JSON names).
			const data: unknown = JSON.parse(serializeHost(machine.host));
			const template = parseTemplate(format, {
				json: (value: unknown) => goJson(value),
				prettyjson: (value: unknown) => goJson(value, '    '),
			});
			stdout.write(`${template.execute(data)}\n`);
		} catch (error) {
			if (error instanceof TemplateError) throw new MachinistError(errorMessage(error));
			throw error;
		}
	},
};

export default inspect;
