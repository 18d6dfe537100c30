/**
 * The readme's swarm screenshots, from the real app in tmux over a real three-node swarm of
 * generic machines on systemd test hosts, running a service: `npm run media:swarm` (as root).
 * Writes media/swarm-list and media/swarm-cluster (.svg, and .png where rsvg-convert exists).
 */
import {execFile} from 'node:child_process';
import {copyFile, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import {builtCli, repoRoot} from '../../test/helpers/cli.js';
import {busyboxImageTar} from '../../test/helpers/hosts.js';
import {genericMachines} from '../../test/helpers/swarm-hosts.js';
import {TmuxSession} from '../../test/helpers/tmux.js';
import {ansiToSvg} from './ansi-svg.js';

const exec = promisify(execFile);
const size = {columns: 118, rows: 24};
const mediaDir = path.join(repoRoot, 'media');
const cluster = await genericMachines(3, 'node');
let session: TmuxSession | undefined;

async function shot(name: string, title: string): Promise<void> {
	const svg = ansiToSvg(await session!.capture({colours: true}), {columns: size.columns, title});
	const file = path.join(mediaDir, `${name}.svg`);
	await writeFile(file, svg);
	await exec('rsvg-convert', ['-o', path.join(mediaDir, `${name}.png`), file]).catch(() => undefined);
	console.log(`wrote media/${name}.svg`);
}

try {
	const {hosts, machinist, env} = cluster;
	await machinist('swarm', 'init', 'node1');
	await machinist('swarm', 'join', '--manager', 'node1', '--role', 'manager', 'node2');
	await machinist('swarm', 'join', '--manager', 'node1', 'node3');
	const tar = await busyboxImageTar();
	await Promise.all(
		hosts.map(async host => {
			await copyFile(tar, path.join(host.rootfs, 'root/busybox.tar'));
			await host.exec('docker import /root/busybox.tar busybox:machinist');
		}),
	);
	await hosts[0]!.exec(
		'docker network create -d overlay appnet && docker service create -d --name web --network appnet --replicas 3 --replicas-max-per-node 1 --endpoint-mode dnsrr busybox:machinist /bin/busybox sleep 600 && docker service create -d --name worker --network appnet --replicas 2 --endpoint-mode dnsrr busybox:machinist /bin/busybox sleep 600',
	);
	session = await TmuxSession.start([process.execPath, builtCli], {...env, TERM: 'xterm-256color'}, size);
	await session.waitFor(screen => /node3 .*node1 \(worker\)/.test(screen) && /node1 .*node1 \(leader\)/.test(screen), 60_000);
	await shot('swarm-list', 'machinist');
	await session.keys('w');
	await session.waitFor(screen => screen.includes('5 tasks running'), 60_000);
	await shot('swarm-cluster', 'machinist — swarm');
} finally {
	await session?.stop();
	await cluster.stop();
}
