import {
	closePlugins,
	setPluginLogSink,
	createEngine,
	type DriverTimings,
	type EngineSettings,
	errorMessage,
	MachinistError,
	type OptionSpec,
	type OptionValues,
	parseGoBool,
	resolveOptions,
	stringOption,
} from '../engine/index.js';
import {commandTable, findCommand} from '../commands/index.js';
import {versionLine} from '../version.js';
import {parseArgs} from './args.js';
import type {Command, Terminal} from './command.js';
import {globalOptionSpecs, versionOptionSpec} from './globals.js';
import {renderAppHelp, renderCommandHelp} from './help.js';

/** Quotes a word for the hint line only when a shell would split or expand it. */
function shellWord(word: string): string {
	return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", String.raw`'\''`)}'`;
}

/**
 * Waits the environment may shorten, by driver: tests of slow cloud paths set these. The
 * engine takes them as data; only this face reads the variables.
 */
const driverTimingVariables: ReadonlyArray<readonly [variable: string, driver: string, timing: keyof DriverTimings]> = [
	['MACHINIST_DIGITALOCEAN_ACTIVE_TIMEOUT_MS', 'digitalocean', 'readyTimeoutMs'],
	['MACHINIST_DIGITALOCEAN_SSH_TIMEOUT_MS', 'digitalocean', 'sshWaitMs'],
	['MACHINIST_AMAZONEC2_RUNNING_TIMEOUT_MS', 'amazonec2', 'readyTimeoutMs'],
	['MACHINIST_AMAZONEC2_SSH_TIMEOUT_MS', 'amazonec2', 'sshWaitMs'],
	['MACHINIST_AMAZONEC2_POLL_MS', 'amazonec2', 'pollIntervalMs'],
	['MACHINIST_QEMU_BOOT_TIMEOUT_MS', 'qemu', 'readyTimeoutMs'],
	['MACHINIST_QEMU_ACCEL_PROBE_MS', 'qemu', 'accelProbeMs'],
	['MACHINIST_QEMU_POWERDOWN_TIMEOUT_MS', 'qemu', 'stopTimeoutMs'],
	['MACHINIST_VIRTUALBOX_BOOT_TIMEOUT_MS', 'virtualbox', 'readyTimeoutMs'],
	['MACHINIST_VIRTUALBOX_POWERDOWN_TIMEOUT_MS', 'virtualbox', 'stopTimeoutMs'],
	// How long start, restart and create wait for Docker to answer (default 300 s).
	...['qemu', 'virtualbox', 'generic', 'digitalocean', 'amazonec2'].map(
		driver => [`MACHINIST_${driver.toUpperCase()}_DOCKER_TIMEOUT_MS`, driver, 'dockerWaitMs'] as const,
	),
];

function driverTimingsFrom(env: NodeJS.ProcessEnv): Record<string, DriverTimings> {
	const timings: Record<string, DriverTimings> = {};
	for (const [variable, driver, timing] of driverTimingVariables) {
		const text = env[variable];
		if (text && /^\d+$/.test(text)) timings[driver] = {...timings[driver], [timing]: Number(text)};
	}

	return timings;
}

/** The engine the global options (and their env vars) describe, as plain data. */
function engineSettingsFrom(globalFlags: OptionValues, env: NodeJS.ProcessEnv, program: string): EngineSettings {
	const globals = resolveOptions(globalOptionSpecs, globalFlags, env);
	return {
		storagePath: stringOption(globals, 'storage-path') || undefined,
		tlsCaCert: stringOption(globals, 'tls-ca-cert') || undefined,
		tlsCaKey: stringOption(globals, 'tls-ca-key') || undefined,
		tlsClientCert: stringOption(globals, 'tls-client-cert') || undefined,
		tlsClientKey: stringOption(globals, 'tls-client-key') || undefined,
		env,
		program,
		driverTimings: driverTimingsFrom(env),
	};
}

async function commandFlags(command: Command, argv: readonly string[], env: NodeJS.ProcessEnv): Promise<readonly OptionSpec[]> {
	const extra = command.extraFlags ? await command.extraFlags(argv, env) : [];
	return [...command.flags, ...extra];
}

/**
 * Runs one command line and returns the exit code. Expected failures (MachinistError) print
 * their message alone; anything else is a bug and says so. `program` is the name the user
 * invoked (`docker-machine` through a symlink), used in help and hint lines.
 */
export async function runCli(argv: readonly string[], terminal: Terminal, program = 'machinist'): Promise<number> {
	let debug = argv.some(argument => argument === '-D' || argument === '--debug' || argument === '-debug');
	try {
		const machineDebug = terminal.env.MACHINE_DEBUG;
		if (machineDebug) {
			const parsed = parseGoBool(machineDebug);
			if (parsed === undefined)
				throw new MachinistError(`Error parsing boolean value from MACHINE_DEBUG: strconv.ParseBool: parsing "${machineDebug}": invalid syntax`);
			debug = parsed;
		}

		const global = parseArgs(argv, [...globalOptionSpecs, versionOptionSpec], {
			commandName: '',
			program,
			stopAtPositional: true,
		});
		if (global.flags.version === true) {
			terminal.stdout.write(`${versionLine(program)}\n`);
			return 0;
		}

		// Bare `machinist`: the full-screen app on a terminal (loaded only then: React and Ink
		// would cost every other command start-up time), else what `ls` prints, for pipes.
		const bare = global.positionals.length === 0 && !global.help;
		if (bare && terminal.stdout.isTTY && process.stdin.isTTY) {
			// React's production build: its development build checks and keeps far more, which an
			// app idling for hours pays for in memory and CPU. Must be set before React loads.
			process.env.NODE_ENV ??= 'production';
			const {keepYoungGenerationSmall} = await import('./young-generation.js');
			await keepYoungGenerationSmall();
			// The installed command is a bundle that holds no app; the app comes from the module
			// tree beside it, with its own copy of the engine, so only plain data crosses here.
			const {runTui} = await import('../tui/run.js');
			return await runTui({engineSettings: engineSettingsFrom(global.flags, terminal.env, program), env: terminal.env});
		}

		const [commandName, ...rest] = bare ? ['ls'] : global.positionals;
		if (commandName === undefined || global.help) {
			terminal.stdout.write(renderAppHelp(program, commandTable));
			return 0;
		}

		const entry = findCommand(commandName);
		if (!entry) {
			throw new MachinistError(`${program}: '${commandName}' is not a ${program} command. See '${program} --help'.`);
		}

		// docker-machine shows what driver plugins log only with --debug.
		if (debug) setPluginLogSink((source, line) => terminal.stderr.write(`(${source}) DBG | ${line}\n`));
		const command = (await entry.load()).default;
		const flags = await commandFlags(command, rest, terminal.env);
		const showHelp = () => terminal.stdout.write(renderCommandHelp(program, entry, command, flags));
		if (command.passThrough && ['-h', '--help', '-help'].includes(rest[0] ?? '')) {
			showHelp();
			return 0;
		}

		const parsed = parseArgs(rest, flags, {commandName: entry.name, program, stopAtPositional: command.passThrough});
		if (parsed.help) {
			showHelp();
			return 0;
		}

		const code = await command.run({
			engine: createEngine(engineSettingsFrom(global.flags, terminal.env, program)),
			terminal,
			flags: resolveOptions(flags, parsed.flags, terminal.env),
			givenFlags: parsed.flags,
			args: parsed.positionals,
			commandLine: [program, ...argv.map(word => shellWord(word))].join(' '),
			showHelp,
		});
		return code ?? 0;
	} catch (error) {
		if (error instanceof MachinistError) {
			terminal.stderr.write(`${error.message}\n`);
			if (debug && error.cause)
				terminal.stderr.write(`${error.cause instanceof Error ? (error.cause.stack ?? error.cause.message) : errorMessage(error.cause)}\n`);
			return error.exitCode;
		}

		terminal.stderr.write(`${program}: internal error: ${errorMessage(error)}\n`);
		if (debug) terminal.stderr.write(`${(error as Error).stack ?? ''}\n`);
		else terminal.stderr.write(`Run again with --debug for details, and please report it.\n`);
		return 1;
	} finally {
		// Driver plugins never outlive the command that started them.
		await closePlugins();
	}
}
