import type {Command} from '../cli/command.js';
import {
	boolOption,
	createMachine,
	createOptionSpecs,
	availableDrivers,
	loadDriverDefinition,
	MachinistError,
	openPreferences,
	stringOption,
} from '../engine/index.js';
import {noWaitFlag} from './power.js';
import {printProgress} from './progress.js';

/**
 * The driver named on the command line (`-d X`, `--driver X`, `-d=X`, `--driver=X`) or in
 * $MACHINE_DRIVER, found before parsing because its flags are part of the syntax.
 */
function driverFromArgv(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
	for (let index = 0; index < argv.length; index++) {
		const argument = argv[index]!;
		const match = /^--?(?:d|driver)(?:=(.*))?$/.exec(argument);
		if (match) return match[1] ?? argv[index + 1];
	}

	return env.MACHINE_DRIVER || undefined;
}

async function chosenDriver(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<string | undefined> {
	return driverFromArgv(argv, env) ?? (await openPreferences(env)).get('defaultDriver');
}

const create: Command = {
	argsUsage: 'NAME',
	description: `Run 'machinist create --driver name --help' to include the create flags for that driver in the help text.`,
	flags: [...createOptionSpecs, noWaitFlag],
	async extraFlags(argv, env) {
		const driverName = await chosenDriver(argv, env);
		if (!driverName) return [];
		return (await loadDriverDefinition(driverName, env)).options;
	},
	async run(input) {
		const driverName = stringOption(input.flags, 'driver') || (await openPreferences(input.terminal.env)).get('defaultDriver');
		if (!driverName) {
			throw new MachinistError(`Error: no driver given: use -d with one of ${availableDrivers(input.terminal.env).join(', ')} (or set $MACHINE_DRIVER)`);
		}

		if (input.args.length === 0) {
			input.showHelp();
			throw new MachinistError('Error: No machine name specified');
		}

		if (input.args.length > 1) {
			throw new MachinistError(`Invalid command line. Found extra arguments [${input.args.slice(1).join(' ')}]`);
		}

		const name = input.args[0]!;
		await createMachine(
			input.engine,
			{name, driverName, given: input.givenFlags},
			{progress: printProgress(input.terminal), waitForDocker: !boolOption(input.flags, 'no-wait')},
		);
		input.terminal.stdout.write(
			`To see how to connect your Docker Client to the Docker Engine running on this virtual machine, run: ${input.engine.program} env ${name}\n`,
		);
	},
};

export default create;
