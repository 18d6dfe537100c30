// A Docker CLI context for a machine, so `docker context use NAME` reaches it.
import {createHash} from 'node:crypto';
import {copyFile, mkdir} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {Engine} from '../engine.js';
import {writeFileAtomic} from '../store/files.js';
import type {Machine} from '../machine.js';
import {checkConnection} from './connection.js';

/**
 * Writes a Docker CLI context for a machine (as `docker context create` would), so
 * `docker context use NAME` points docker at it without environment variables. The layout is
 * the docker CLI's: metadata under contexts/meta/<sha256 of the name>, TLS files under
 * contexts/tls/<same>/docker.
 */
export async function writeDockerContext(engine: Engine, machine: Machine): Promise<{name: string; dir: string}> {
	const {url} = await checkConnection(engine, machine);
	const dockerConfig = engine.env.DOCKER_CONFIG ?? path.join(engine.env.HOME ?? os.homedir(), '.docker');
	const id = createHash('sha256').update(machine.name).digest('hex');
	const metaDir = path.join(dockerConfig, 'contexts', 'meta', id);
	const tlsDir = path.join(dockerConfig, 'contexts', 'tls', id, 'docker');
	await mkdir(metaDir, {recursive: true, mode: 0o755});
	await mkdir(tlsDir, {recursive: true, mode: 0o700});
	const auth = machine.host.HostOptions.AuthOptions;
	await Promise.all([
		copyFile(auth.CaCertPath, path.join(tlsDir, 'ca.pem')),
		copyFile(auth.ClientCertPath, path.join(tlsDir, 'cert.pem')),
		copyFile(auth.ClientKeyPath, path.join(tlsDir, 'key.pem')),
	]);
	const meta = {
		Name: machine.name,
		Metadata: {Description: `machinist machine ${machine.name}`},
		Endpoints: {docker: {Host: url, SkipTLSVerify: false}},
	};
	await writeFileAtomic(path.join(metaDir, 'meta.json'), JSON.stringify(meta), 0o644);
	return {name: machine.name, dir: metaDir};
}
