// dockerd's certificates and options for a local VM's cloud-init seed: the same files and drop-in
// provisioning writes, so that the first boot starts dockerd already secured and provisioning
// over SSH finds nothing to change (create then costs one boot, not a boot and a restart).
import {readFile} from 'node:fs/promises';
import type {DockerSeed} from '../driver-context.js';
import type {Engine} from '../engine.js';
import {driverContext, type Machine} from '../machine.js';
import {shellQuote} from '../ssh/quote.js';
import {daemonArgs, remoteCertPaths} from './daemon.js';
import {dockerdSearch, ensureServerCertificate} from './docker-host.js';
import {dropIn, dropInContent, socketActivated} from './init/systemd.js';

/** Stand-ins the guest replaces with what only it knows: its dockerd's path and local socket. */
const dockerdMark = '@MACHINIST_DOCKERD@';
const socketMark = '@MACHINIST_SOCKET@';

/**
 * The seed's Docker material for a new machine whose daemon listens on `enginePort` in the
 * guest; undefined while the machine has no address yet (VirtualBox learns it from the boot).
 * The drop-in is written only where the image has dockerd under systemd: elsewhere provisioning
 * does the whole work, as for any host.
 */
export async function dockerSeed(engine: Engine, machine: Machine, enginePort: number): Promise<DockerSeed | undefined> {
	const context = driverContext(machine);
	if (!(await machine.driver.getIP(context).catch(() => undefined))) return undefined;
	await ensureServerCertificate(engine, machine);
	const auth = machine.host.HostOptions.AuthOptions;
	const [ca, cert, key] = await Promise.all([auth.CaCertPath, auth.ServerCertPath, auth.ServerKeyPath].map(async file => readFile(file, 'utf8')));
	const options = machine.host.HostOptions.EngineOptions;
	const template = dropInContent({dockerd: dockerdMark, args: daemonArgs(options, machine.host.DriverName, enginePort, socketMark), env: options.Env});
	const script = [
		`dockerd=$( (${dockerdSearch}) | head -n 1)`,
		'if [ -z "$dockerd" ] || [ ! -d /run/systemd/system ]; then exit 0; fi',
		`if ${socketActivated}; then socket=fd://; else socket=unix:///var/run/docker.sock; fi`,
		`mkdir -p ${shellQuote(dropIn.slice(0, dropIn.lastIndexOf('/')))}`,
		// The seed's next bootcmd reloads systemd, once for this and its own drop-ins.
		`printf %s ${Buffer.from(template, 'utf8').toString('base64')} | base64 -d | sed -e "s|${dockerdMark}|$dockerd|" -e "s|${socketMark}|$socket|" > ${shellQuote(dropIn)}`,
	].join('\n');
	return {
		files: [
			{path: remoteCertPaths.ca, content: ca!, mode: 0o644},
			{path: remoteCertPaths.cert, content: cert!, mode: 0o644},
			{path: remoteCertPaths.key, content: key!, mode: 0o600},
		],
		script,
	};
}
