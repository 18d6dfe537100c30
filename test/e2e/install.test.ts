import {execFile} from 'node:child_process';
import {existsSync} from 'node:fs';
import {cp, mkdir, readFile, readdir, rename, symlink} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {promisify} from 'node:util';
import test from 'ava';
import {repoRoot} from '../helpers/cli.js';
import {dockerdAvailable, storeWithDockerd} from '../helpers/dockerd.js';
import {realTest} from '../helpers/real.js';
import {sshdAvailable, startSshd} from '../helpers/sshd.js';
import {saveGenericMachine, temporaryDir} from '../helpers/store.js';

const withDaemons = realTest(dockerdAvailable(), sshdAvailable());

const exec = promisify(execFile);

/**
 * The npm cache that `npm ci` filled: npm names it to scripts it runs, and it is ~/.npm otherwise
 * (HOME is an empty directory in a test worker, so npm's own default would be empty).
 */
const npmCache = process.env.npm_config_cache ?? path.join(os.userInfo().homedir, '.npm');

/** Every module of source/ as the path tsc gives it under build/. */
async function expectedBuildFiles(): Promise<string[]> {
	const entries = await readdir(path.join(repoRoot, 'source'), {recursive: true, withFileTypes: true});
	const modules = entries
		.filter(entry => entry.isFile() && /\.c?tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
		.map(entry =>
			path
				.join('package/build', path.relative(path.join(repoRoot, 'source'), path.join(entry.parentPath, entry.name)))
				.replace(/\.cts$/, '.cjs')
				.replace(/\.tsx?$/, '.js'),
		);
	return [...modules, 'package/build/bundle/manifest.json'];
}

/**
 * Whether ssh2's native crypto and cpu-features (the CPU probe ssh2 orders its ciphers by) were
 * built in `dir`: package.json's allowScripts denies their install scripts, and esbuild's, which
 * only checks the binary its platform package brings. ssh2 then uses its JavaScript code.
 */
async function nativeParts(dir: string): Promise<{ssh2Binding: boolean; cpuFeatures: boolean}> {
	const modules = path.join(dir, 'node_modules');
	return {
		ssh2Binding: existsSync(path.join(modules, 'ssh2/lib/protocol/crypto/build')),
		cpuFeatures: existsSync(path.join(modules, 'cpu-features/build')),
	};
}

// Offline, from the npm cache that `npm ci` filled: nothing leaves this machine.
test.serial('a fresh npm ci runs no install script of a dependency and leaves none unreviewed; the build and ssh2 work without them', async t => {
	t.timeout(600_000);
	const dir = await temporaryDir(t, 'mf-');
	for (const entry of ['package.json', 'package-lock.json', 'tsconfig.json', 'source', 'scripts'])
		await cp(path.join(repoRoot, entry), path.join(dir, entry), {recursive: true});
	// --strict-allow-scripts fails the install if any dependency's install script is not in allowScripts.
	const installed = await exec('npm', ['ci', '--offline', '--cache', npmCache, '--strict-allow-scripts', '--no-audit', '--no-fund'], {
		cwd: dir,
		env: {...process.env, npm_config_update_notifier: 'false'},
		maxBuffer: 64 * 1024 * 1024,
	});
	t.notRegex(installed.stdout + installed.stderr, /install script/i);
	t.deepEqual(await nativeParts(dir), {ssh2Binding: false, cpuFeatures: false});
	// prepare built with esbuild, whose postinstall did not run.
	t.regex((await exec(process.execPath, ['build/cli.cjs', 'version'], {cwd: dir})).stdout, /^machinist version 0\.1\.0\b/);
	const policy = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as {allowScripts: Record<string, boolean>};
	t.deepEqual(policy.allowScripts, {'cpu-features': false, esbuild: false, ssh2: false});
});

withDaemons.serial('the packed tarball installs as a global command that runs on production dependencies alone, also as docker-machine', async t => {
	t.timeout(300_000);
	const dir = await temporaryDir(t, 'mi-');

	// `npm test` has just built build/; packing must not build again.
	await exec('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], {cwd: repoRoot});
	const tarball = path.join(
		dir,
		(await readdir(dir)).find(name => name.endsWith('.tgz'))!,
	);
	const files = (await exec('tar', ['tzf', tarball])).stdout.split('\n').filter(Boolean);
	t.deepEqual(
		files.filter(file => !file.startsWith('package/build/') && !['package/package.json', 'package/readme.md'].includes(file)),
		[],
		'nothing outside build/',
	);
	const missing = (await expectedBuildFiles()).filter(file => !files.includes(file));
	t.deepEqual(missing, [], 'every source module is built');

	// A global install has no project whose allowScripts applies: npm 12 skips the scripts it has
	// not been told about, which --ignore-scripts does here (machinist itself has no install script).
	const prefix = path.join(dir, 'prefix');
	await exec(
		'npm',
		[
			'install',
			'--global',
			'--prefix',
			prefix,
			'--omit=dev',
			'--prefer-offline',
			'--cache',
			npmCache,
			'--ignore-scripts',
			'--no-audit',
			'--no-fund',
			tarball,
		],
		{
			env: {...process.env, npm_config_update_notifier: 'false'},
		},
	);
	const installed = path.join(prefix, 'lib', 'node_modules', 'machinist');
	t.deepEqual(await nativeParts(installed), {ssh2Binding: false, cpuFeatures: false});
	for (const devDependency of ['tsx', 'typescript', 'ava', 'ink-testing-library', '@types/node']) {
		t.false(existsSync(path.join(installed, 'node_modules', devDependency)), `${devDependency} is not installed`);
	}

	const store = path.join(dir, 'store');
	const aliasDir = path.join(dir, 'alias');
	await mkdir(aliasDir);
	await symlink(path.join(prefix, 'bin', 'machinist'), path.join(aliasDir, 'docker-machine'));
	// Only the installed command, node and the system's programs: nothing from this checkout.
	const env = {
		PATH: [path.join(prefix, 'bin'), aliasDir, path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'].join(':'),
		HOME: dir,
		SHELL: '/bin/bash',
		MACHINE_STORAGE_PATH: store,
		MACHINIST_CONFIG_DIR: path.join(dir, 'prefs'),
	};
	const run = async (command: string) => {
		try {
			const {stdout, stderr} = await exec('bash', ['-c', command], {env, cwd: dir});
			return {code: 0, stdout, stderr};
		} catch (error) {
			const failure = error as {code: number; stdout: string; stderr: string};
			return {code: failure.code, stdout: failure.stdout, stderr: failure.stderr};
		}
	};

	t.regex((await run('machinist version')).stdout, /^machinist version 0\.1\.0\b/);
	t.is((await run('machinist ls')).stdout, 'NAME   ACTIVE   DRIVER   STATE   URL   SWARM   DOCKER   ERRORS\n');

	const {engine, dockerd} = await storeWithDockerd(t, store, env, dir);

	const created = await run(`machinist create -d none --url ${dockerd.url} m1`);
	t.is(created.code, 0, created.stderr);
	t.regex((await run('machinist ls')).stdout, new RegExp(`^m1 +- +none +Running +${dockerd.url.replaceAll('.', String.raw`\.`)} `, 'm'));
	const exports = await run('machinist env m1');
	t.true(exports.stdout.includes(`export DOCKER_HOST="${dockerd.url}"\n`), exports.stdout + exports.stderr);
	t.true(exports.stdout.endsWith('# eval $(machinist env m1)\n'));
	const docker = await run('eval "$(machinist env m1)" && docker ps');
	t.is(docker.code, 0, docker.stderr);
	t.regex(docker.stdout, /^CONTAINER ID/);

	// Through a symlink named docker-machine, hints name docker-machine.
	const aliased = await run('docker-machine env m1');
	t.true(aliased.stdout.endsWith('# Run this command to configure your shell: \n# eval $(docker-machine env m1)\n'), aliased.stdout);
	t.regex((await run('docker-machine version')).stdout, /^docker-machine version 0\.1\.0\b/);
	t.is(
		(await run('docker-machine env nosuch')).stderr,
		'Docker machine "nosuch" does not exist. Use "docker-machine ls" to list machines. Use "docker-machine create" to add a new one.\n',
	);
	// ssh without OpenSSH on the PATH goes through the built-in client: ssh2's JavaScript crypto, to a real sshd.
	await engine.store.claim('s1');
	const keyPath = path.join(store, 'machines', 's1', 'id_rsa');
	await exec('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 's1', '-f', keyPath]);
	const sshd = await startSshd(t, {authorizedKeys: [await readFile(`${keyPath}.pub`, 'utf8')]});
	await saveGenericMachine(engine, 's1', {ip: '127.0.0.1', user: 'root', port: sshd.port, keyPath});
	const builtIn = await run(`PATH=${path.join(prefix, 'bin')}:${path.dirname(process.execPath)} machinist ssh s1 echo over ssh2 as '$(id -un)'`);
	t.is(builtIn.stdout, 'over ssh2 as root\n', builtIn.stderr);
	t.is(builtIn.code, 0);

	await rename(engine.certPaths.clientCert, `${engine.certPaths.clientCert}.away`);
	const broken = await run('docker-machine env m1');
	t.is(broken.code, 1);
	t.true(broken.stderr.includes(`run "docker-machine regenerate-certs --client-certs m1"`), broken.stderr);
});

// `npm install -g git+URL` cannot build a TypeScript package: npm runs its prepare script without
// the devDependencies it has just installed (npm/cli#8440, open). `npm pack git+URL` runs it in a
// local install, so the readme's git route is pack, then install the tarball. Offline: the
// packages come from the npm cache `npm ci` filled, and nothing leaves this machine.
test.serial('a git URL packs into a built tarball (prepare runs with the devDependencies) that installs as a global command', async t => {
	t.timeout(600_000);
	const dir = await temporaryDir(t, 'mg-');
	const head = (await exec('git', ['rev-parse', '--short', 'HEAD'], {cwd: repoRoot})).stdout.trim();
	const npmEnv = {...process.env, npm_config_update_notifier: 'false'};
	const packed = await exec('npm', ['pack', '--offline', '--cache', npmCache, '--no-audit', '--no-fund', `git+file://${repoRoot}`], {
		cwd: dir,
		env: npmEnv,
		maxBuffer: 64 * 1024 * 1024,
	});
	const tarball = path.join(dir, packed.stdout.trim().split('\n').at(-1)!);
	const files = new Set((await exec('tar', ['tzf', tarball])).stdout.split('\n'));
	t.true(files.has('package/build/cli.cjs') && files.has('package/build/bundle/manifest.json'), 'built by prepare from the git checkout');

	const prefix = path.join(dir, 'prefix');
	await exec('npm', ['install', '--global', '--prefix', prefix, '--offline', '--cache', npmCache, '--no-audit', '--no-fund', tarball], {env: npmEnv});
	const {stdout} = await exec(path.join(prefix, 'bin', 'machinist'), ['version'], {
		env: {PATH: path.dirname(process.execPath), HOME: dir, MACHINE_STORAGE_PATH: path.join(dir, 'store')},
	});
	t.is(stdout, `machinist version 0.1.0, build ${head}\n`);
});
