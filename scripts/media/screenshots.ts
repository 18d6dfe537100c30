/**
 * Renders the readme's screenshots from the real app in a real terminal (tmux), against a store
 * with a running machine on a real TLS dockerd and a stopped one: `npm run media` (as root).
 * Writes media/NAME.svg and, where rsvg-convert exists, media/NAME.png.
 */
import {execFile} from 'node:child_process';
import {writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {createMachine} from '../../source/engine/index.js';
import {builtCli, repoRoot} from '../../test/helpers/cli.js';
import {startStoreDockerd} from '../../test/helpers/dockerd.js';
import {TmuxSession} from '../../test/helpers/tmux.js';
import {saveGenericMachine} from '../../test/helpers/store.js';
import {busyboxImage, docker, importBusybox, runContainer} from '../../test/helpers/containers.js';
import {ansiToSvg} from './ansi-svg.js';

const exec = promisify(execFile);
const size = {columns: 118, rows: 30};
const mediaDir = path.join(repoRoot, 'media');
const scratch = (await exec('mktemp', ['-d'])).stdout.trim();
const store = path.join(scratch, 'store');
const env = {
	PATH: process.env.PATH,
	HOME: scratch,
	USER: 'ada',
	SHELL: '/bin/bash',
	TERM: 'xterm-256color',
	MACHINE_STORAGE_PATH: store,
	MACHINIST_CONFIG_DIR: path.join(scratch, 'prefs'),
};
const {engine, dockerd} = await startStoreDockerd(store, env, scratch, 'ada.builder');
const session = await TmuxSession.start([process.execPath, builtCli], env, size);

async function shot(name: string, title: string): Promise<void> {
	const screen = await session.capture({colours: true});
	const svg = ansiToSvg(screen, {columns: size.columns, title});
	const file = path.join(mediaDir, `${name}.svg`);
	await writeFile(file, svg);
	await exec('rsvg-convert', ['-o', path.join(mediaDir, `${name}.png`), file]).catch(() => undefined);
	console.log(`wrote media/${name}.svg`);
}

const pause = async (ms: number) =>
	new Promise(resolve => {
		setTimeout(resolve, ms);
	});

try {
	for (const name of ['builder', 'ci-runner-1', 'ci-runner-2']) {
		await createMachine(engine, {name, driverName: 'none', given: {url: dockerd.url, 'engine-label': ['team=platform']}});
	}

	for (const [name, ip] of [
		['edge-eu', '127.0.0.2'],
		['staging', '127.0.0.1'],
	] as const) {
		await engine.store.claim(name);
		await saveGenericMachine(engine, name, {ip, user: 'deploy', port: 1});
	}

	await session.waitFor(
		screen => /builder +none +Running/.test(screen) && /edge-eu +generic +Stopped/.test(screen) && /staging +generic +Stopped/.test(screen),
		60_000,
	);
	await pause(500);
	await shot('list', 'machinist');
	await session.keys('Enter');
	await session.waitFor('CA cert');
	await pause(1500);
	await shot('details', 'machinist — details');
	await session.keys('Escape');
	await pause(400);
	await session.keys('?');
	await session.waitFor('Move up');
	await shot('help', 'machinist — help');
	await session.keys('Escape');
	await pause(300);
	await importBusybox(dockerd);
	for (const name of ['api', 'web']) await runContainer(dockerd, name, {script: 'while true; do echo "GET /health 200"; sleep 1; done'});
	await runContainer(dockerd, 'worker', {
		script: 'i=0; while true; do echo "job $i done"; echo "job $((i+1)) failed, retrying" >&2; i=$((i+1)); sleep 1; done',
	});
	await docker(dockerd, 'create', '--network=none', '--name=migrate', busyboxImage, 'true');
	await session.keys('F');
	await session.waitFor(/ci-runner-2 +worker/);
	await pause(1500);
	await shot('fleet', 'machinist — fleet');
	await session.keys('G', 'l');
	await session.waitFor('retrying');
	await pause(3000);
	await session.keys('t');
	await pause(500);
	await shot('logs', 'machinist — logs');
	await session.keys('Escape');
	await pause(300);
	await session.keys('Escape');
	await pause(300);
	// The daemon as a one-node swarm: its services, the selected one's tasks per node.
	await docker(dockerd, 'swarm', 'init', '--advertise-addr', '127.0.0.1');
	const service = ['service', 'create', '--detach', '--no-resolve-image'];
	await docker(dockerd, ...service, '--name', 'api', '--replicas', '3', '--publish', '8080:80', busyboxImage, 'sh', '-c', 'while true; do sleep 1; done');
	await docker(dockerd, ...service, '--name', 'metrics', '--mode', 'global', busyboxImage, 'sh', '-c', 'while true; do sleep 1; done');
	await session.keys('Escape');
	await pause(300);
	await session.keys('v');
	await session.waitFor(/api +replicated +3\/3/, 60_000);
	await session.waitFor(/metrics +global +1\/1/, 60_000);
	await pause(500);
	await shot('services', 'machinist — services');
	await session.keys('Escape');
	await pause(300);
	await session.keys('n');
	await session.waitFor('which driver?');
	for (let step = 0; step < 5 && !(await session.capture()).includes('❯ generic'); step++) {
		await session.keys('Down');
		await pause(200);
	}

	await session.keys('Enter');
	await session.waitFor('with the generic driver');
	await pause(300);
	await session.type('web-1');
	await session.keys('Enter');
	await session.type('10.0.0.7');
	await pause(500);
	await shot('create', 'machinist — create');
} finally {
	await session.stop();
	await dockerd.stop();
	await exec('rm', ['-rf', scratch]);
}
