import test from 'ava';
import {detectShell, renderSetEnv, renderUnsetEnv, shellFromFlag, shellNames} from '../../source/format/env.js';
import {noProxyVariable, noProxyVariableName} from '../../source/engine/access/no-proxy.js';

const variables = [
	['DOCKER_TLS_VERIFY', '1'],
	['DOCKER_HOST', 'tcp://10.200.1.2:2376'],
	['DOCKER_CERT_PATH', '/home/user/.docker/machine/machines/sysd1'],
	['DOCKER_MACHINE_NAME', 'sysd1'],
] as const;
const names = variables.map(([name]) => name);

test("bash output is byte-identical to docker-machine 0.16.2's", t => {
	t.is(
		renderSetEnv('bash', [...variables, ['NO_PROXY', 'localhost,10.200.1.2']], 'machinist env --shell bash --no-proxy sysd1'),
		[
			'export DOCKER_TLS_VERIFY="1"',
			'export DOCKER_HOST="tcp://10.200.1.2:2376"',
			'export DOCKER_CERT_PATH="/home/user/.docker/machine/machines/sysd1"',
			'export DOCKER_MACHINE_NAME="sysd1"',
			'export NO_PROXY="localhost,10.200.1.2"',
			'# Run this command to configure your shell: ',
			'# eval $(machinist env --shell bash --no-proxy sysd1)',
			'',
		].join('\n'),
	);
});

test("fish unset output is byte-identical to docker-machine 0.16.2's", t => {
	t.is(
		renderUnsetEnv('fish', names, 'machinist env --unset --shell fish'),
		[
			'set -e DOCKER_TLS_VERIFY;',
			'set -e DOCKER_HOST;',
			'set -e DOCKER_CERT_PATH;',
			'set -e DOCKER_MACHINE_NAME;',
			'# Run this command to configure your shell: ',
			'# eval (machinist env --unset --shell fish)',
			'',
		].join('\n'),
	);
});

const expectedSet: Record<string, [string, string]> = {
	sh: ['export DOCKER_HOST="tcp://10.200.1.2:2376"\n', '# eval $(CMD)'],
	zsh: ['export DOCKER_HOST="tcp://10.200.1.2:2376"\n', '# eval $(CMD)'],
	fish: ['set -gx DOCKER_HOST "tcp://10.200.1.2:2376";\n', '# eval (CMD)'],
	powershell: ['$Env:DOCKER_HOST = "tcp://10.200.1.2:2376"\n', '# & CMD | Invoke-Expression'],
	cmd: ['SET DOCKER_HOST=tcp://10.200.1.2:2376\n', 'REM \t@FOR /f "tokens=*" %i IN (\'CMD\') DO @%i'],
	tcsh: ['setenv DOCKER_HOST "tcp://10.200.1.2:2376";\n', ': eval `CMD`'],
	emacs: ['(setenv "DOCKER_HOST" "tcp://10.200.1.2:2376")\n', ';; (with-temp-buffer (shell-command "CMD" (current-buffer)) (eval-buffer))'],
	nushell: [
		'$env.DOCKER_HOST = "tcp://10.200.1.2:2376"\n',
		'# CMD | lines | parse \'$env.{name} = "{value}"\' | transpose --header-row --as-record | load-env',
	],
};

const expectedUnset: Record<string, string> = {
	sh: 'unset DOCKER_HOST\n',
	zsh: 'unset DOCKER_HOST\n',
	fish: 'set -e DOCKER_HOST;\n',
	powershell: 'Remove-Item Env:\\\\DOCKER_HOST\n',
	cmd: 'SET DOCKER_HOST=\n',
	tcsh: 'unsetenv DOCKER_HOST;\n',
	emacs: '(setenv "DOCKER_HOST" nil)\n',
	nushell: 'hide-env DOCKER_HOST\n',
};

for (const shell of shellNames.filter(name => name !== 'bash')) {
	test(`${shell}: set lines and hint use the reference's syntax`, t => {
		const [line, hint] = expectedSet[shell]!;
		const output = renderSetEnv(shell, [['DOCKER_HOST', 'tcp://10.200.1.2:2376']], 'CMD');
		const comment = hint.split(' ')[0];
		t.is(output, `${line}${comment} Run this command to configure your shell: \n${hint}\n`);
	});

	test(`${shell}: unset lines use the reference's syntax`, t => {
		t.true(renderUnsetEnv(shell, ['DOCKER_HOST'], 'CMD').startsWith(expectedUnset[shell]!));
	});
}

test('values with quotes and dollars are escaped so the shell sees them literally', t => {
	const value = '/home/a "b" $HOME/`x`';
	t.true(renderSetEnv('bash', [['DOCKER_CERT_PATH', value]], 'c').startsWith('export DOCKER_CERT_PATH="/home/a \\"b\\" \\$HOME/\\`x\\`"\n'));
	t.true(renderSetEnv('fish', [['DOCKER_CERT_PATH', value]], 'c').startsWith('set -gx DOCKER_CERT_PATH "/home/a \\"b\\" \\$HOME/`x`";\n'));
	t.true(renderSetEnv('powershell', [['DOCKER_CERT_PATH', value]], 'c').startsWith('$Env:DOCKER_CERT_PATH = "/home/a `"b`" `$HOME/``x``"\n'));
});

test('--shell accepts every documented shell and aliases, and rejects anything else with the list', t => {
	for (const name of shellNames) t.is(shellFromFlag(name), name);
	t.is(shellFromFlag('pwsh'), 'powershell');
	t.is(shellFromFlag('nu'), 'nushell');
	t.is(shellFromFlag('csh'), 'tcsh');
	t.is(shellFromFlag('PowerShell.exe'), 'powershell');
	const error = t.throws(() => shellFromFlag('klingon'));
	t.is(error.message, 'Error: Unknown shell "klingon": use --shell with one of bash, cmd, emacs, fish, nushell, powershell, sh, tcsh, zsh');
});

test("the shell is detected from $SHELL, then fish's marker, then the parent process, then POSIX", t => {
	t.is(
		detectShell({SHELL: '/usr/bin/fish'}, () => undefined),
		'fish',
	);
	t.is(
		detectShell({SHELL: '/bin/zsh'}, () => undefined),
		'zsh',
	);
	t.is(
		detectShell({SHELL: '/bin/csh'}, () => undefined),
		'tcsh',
	);
	t.is(
		detectShell({SHELL: '/usr/bin/nu'}, () => undefined),
		'nushell',
	);
	t.is(
		detectShell({SHELL: '/usr/local/bin/xonsh'}, () => undefined),
		'sh',
	);
	t.is(
		detectShell({SHELL: '/bin/bash', __fish_bin_dir: '/usr/bin'}, () => undefined),
		'fish',
	);
	t.is(
		detectShell({}, () => 'pwsh'),
		'powershell',
	);
	t.is(
		detectShell({}, () => undefined),
		'sh',
	);
});

test('--no-proxy appends the machine IP once, preferring lower-case no_proxy', t => {
	t.deepEqual(noProxyVariable({NO_PROXY: 'localhost'}, '10.0.0.2'), ['NO_PROXY', 'localhost,10.0.0.2']);
	t.deepEqual(noProxyVariable({no_proxy: 'a', NO_PROXY: 'b'}, '10.0.0.2'), ['no_proxy', 'a,10.0.0.2']);
	t.deepEqual(noProxyVariable({}, '10.0.0.2'), ['NO_PROXY', '10.0.0.2']);
	t.deepEqual(noProxyVariable({NO_PROXY: 'x,10.0.0.2'}, '10.0.0.2'), ['NO_PROXY', 'x,10.0.0.2']);
	t.deepEqual(noProxyVariable({NO_PROXY: '10.0.0.20'}, '10.0.0.2'), ['NO_PROXY', '10.0.0.20,10.0.0.2']);
});

test("--unset --no-proxy unsets the proxy variable by name, without docker-machine's glued value", t => {
	const name = noProxyVariableName({NO_PROXY: 'localhost'});
	t.is(renderUnsetEnv('bash', [name], 'c').split('\n')[0], 'unset NO_PROXY');
});
