/**
 * No test borrows the environment of whoever runs the suite (see environment.ts).
 */
import {execFile} from 'node:child_process';
import {readdirSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {repoRoot} from './cli.js';

const cleanTitle = 'a test worker sees none of the outer DOCKER_*, MACHINE_*, SSH agent or proxy settings, and a HOME of its own';

test(cleanTitle, t => {
	const leaked = Object.keys(process.env).filter(name => /^(DOCKER_|MACHINE_|AWS_|DIGITALOCEAN_|SSH_AUTH_SOCK$)|_proxy$/i.test(name));
	t.deepEqual(leaked, []);
	const home = process.env.HOME ?? '';
	t.is(path.dirname(home), os.tmpdir());
	t.regex(path.basename(home), /^machinist-test-home-/);
	t.deepEqual(readdirSync(home), []);
	t.is(process.env.TZ, 'UTC');
});

test('the same holds when the outer environment points docker and machinist elsewhere', async t => {
	t.timeout(60_000);
	const outer = {
		...process.env,
		DOCKER_HOST: 'tcp://127.0.0.1:1',
		DOCKER_TLS_VERIFY: '1',
		DOCKER_CERT_PATH: '/nonexistent',
		MACHINE_STORAGE_PATH: '/nonexistent',
		MACHINE_DRIVER: 'virtualbox',
		SSH_AUTH_SOCK: '/nonexistent/agent.sock',
		https_proxy: 'http://127.0.0.1:1',
		HOME: '/nonexistent',
	};
	const result = await new Promise<{code: number; output: string}>(resolve => {
		execFile(
			process.execPath,
			[path.join(repoRoot, 'node_modules/ava/entrypoints/cli.mjs'), 'test/helpers/environment.test.ts', '--match', cleanTitle],
			{cwd: repoRoot, env: outer},
			(error, stdout, stderr) => {
				resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, output: stdout + stderr});
			},
		);
	});
	t.is(result.code, 0, result.output);
	t.regex(result.output, /1 test passed/);
});
