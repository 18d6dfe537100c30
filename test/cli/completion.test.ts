import {existsSync} from 'node:fs';
import {mkdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import test, {type ExecutionContext} from 'ava';
import {machinist} from '../helpers/cli.js';
import {completions, type CompletionShell} from '../helpers/completion.js';
import {type Availability, realTest, toolAvailable} from '../helpers/real.js';
import {temporaryDir} from '../helpers/store.js';

const shells: CompletionShell[] = ['bash', 'zsh', 'fish'];

function shellAvailability(shell: CompletionShell): Availability {
	const installed = toolAvailable(shell, `apt-get install ${shell}`);
	if (!installed.ok) return installed;
	if (shell === 'bash' && !existsSync('/usr/share/bash-completion/bash_completion')) return {ok: false, why: 'bash-completion is not installed'};
	return {ok: true};
}

async function storeWith(dir: string, names: readonly string[]): Promise<string> {
	const store = path.join(dir, 'store');
	for (const name of names) await mkdir(path.join(store, 'machines', name), {recursive: true});
	// A machine's lock file sits beside the directories and is no machine.
	await writeFile(path.join(store, 'machines', '.m1.lock'), '');
	return store;
}

/** Completes `line` in the real shell with the script `machinist completion SHELL` printed. */
async function setUp(t: ExecutionContext, shell: CompletionShell, names: readonly string[] = ['m1', 'm2', 'web1']) {
	const dir = await temporaryDir(t);
	const store = await storeWith(dir, names);
	const printed = await machinist(['completion', shell], {HOME: dir});
	t.is(printed.code, 0, printed.stderr);
	const scriptFile = path.join(dir, `script.${shell}`);
	await writeFile(scriptFile, printed.stdout);
	const env = {HOME: dir, MACHINE_STORAGE_PATH: store};
	return {
		dir,
		store,
		complete: async (line: string, extraEnv: NodeJS.ProcessEnv = {}) => completions(shell, {scriptFile, line, env: {...env, ...extraEnv}, dir}),
	};
}

const commands = [
	'active',
	'completion',
	'config',
	'create',
	'env',
	'help',
	'inspect',
	'ip',
	'kill',
	'ls',
	'mount',
	'port',
	'provision',
	'regenerate-certs',
	'restart',
	'rm',
	'scp',
	'set',
	'ssh',
	'start',
	'status',
	'stop',
	'swarm',
	'upgrade',
	'url',
	'version',
];

for (const shell of shells) {
	const withShell = realTest(shellAvailability(shell));

	withShell(`${shell}: commands, global flags, and each command's own flags`, async t => {
		const session = await setUp(t, shell);
		t.deepEqual((await session.complete('machinist ')).words, commands);
		t.deepEqual((await session.complete('machinist re')).words, ['regenerate-certs', 'restart']);
		t.true((await session.complete('machinist --')).words.includes('--storage-path'));
		t.deepEqual((await session.complete('machinist ls -')).words, ['--filter', '--format', '--help', '--quiet', '--timeout', '-f', '-h', '-q', '-t']);
		t.deepEqual((await session.complete('machinist rm -')).words, ['--force', '--help', '-f', '-h', '-y']);
	});

	withShell(`${shell}: driver names after -d, and the chosen driver's flags after -d DRIVER`, async t => {
		const session = await setUp(t, shell);
		t.deepEqual((await session.complete('machinist create -d ')).words, ['amazonec2', 'digitalocean', 'generic', 'none', 'qemu', 'virtualbox']);
		t.deepEqual((await session.complete('machinist create --driver g')).words, ['generic']);
		t.deepEqual((await session.complete('machinist create -d generic --generic-ssh-')).words, [
			'--generic-ssh-key',
			'--generic-ssh-port',
			'--generic-ssh-user',
		]);
		const none = (await session.complete('machinist create --driver none -')).words;
		t.true(none.includes('--url') && none.includes('--engine-label'));
		t.false(none.some(word => word.startsWith('--generic-')));
		t.false((await session.complete('machinist create -')).words.includes('--url'));
	});

	withShell(`${shell}: machine names from the store where a command takes them, shells after env --shell`, async t => {
		const session = await setUp(t, shell);
		t.deepEqual((await session.complete('machinist env ')).words, ['m1', 'm2', 'web1']);
		t.deepEqual((await session.complete('machinist ssh w')).words, ['web1']);
		t.deepEqual((await session.complete('machinist env m1 ')).words, [], 'env takes one machine');
		t.deepEqual((await session.complete('machinist rm -y m1 ')).words, ['m1', 'm2', 'web1']);
		t.deepEqual((await session.complete('machinist ls ')).words, []);
		t.true((await session.complete('machinist scp ')).words.includes('web1:'));
		t.deepEqual((await session.complete('machinist env --shell ')).words, ['bash', 'cmd', 'emacs', 'fish', 'nushell', 'powershell', 'sh', 'tcsh', 'zsh']);
		t.deepEqual((await session.complete('machinist completion ')).words, ['bash', 'fish', 'zsh']);
		t.deepEqual((await session.complete('machinist help con')).words, ['config']);

		const other = path.join(session.dir, 'other');
		await mkdir(path.join(other, 'machines', 'elsewhere'), {recursive: true});
		t.deepEqual((await session.complete(`machinist -s ${other} start `)).words, ['elsewhere'], 'the store named by -s');
		t.deepEqual((await session.complete('machinist stop ', {MACHINE_STORAGE_PATH: other})).words, ['elsewhere']);
	});

	withShell(`${shell}: machine names over 200 machines, all of them, sorted (their speed is in bench/cli.ts)`, async t => {
		const names = Array.from({length: 200}, (_, index) => `node-${index}`);
		const session = await setUp(t, shell, names);
		const answer = await session.complete('machinist env ');
		t.deepEqual(answer.words, [...names].sort());
	});
}

test('completion without a known shell names the shells it has', async t => {
	const result = await machinist(['completion', 'tcsh'], {});
	t.is(result.code, 1);
	t.is(result.stderr, 'Error: name one shell: machinist completion bash|zsh|fish\n');
});
