// The store's CA and client certificate: made on first create, rotated on request, copied into
// each machine's directory for the docker CLI.
import {chmod, copyFile} from 'node:fs/promises';
import path from 'node:path';
import type {Engine} from '../engine.js';
import {ignoreProgress, type ProgressSink} from '../progress.js';
import {ensurePrivateDir, privateFileMode} from '../store/files.js';
import {certificatesLock} from '../store/store.js';
import {certificateUser} from './user.js';

/** docker-machine's lines for certificates it made. */
function reportCreated(created: ReadonlyArray<{kind: 'ca' | 'client'; path: string}>, progress: ProgressSink): void {
	for (const item of created) {
		progress({type: 'step', message: item.kind === 'ca' ? `Creating CA: ${item.path}` : `Creating client certificate: ${item.path}`});
	}
}

/** Makes sure the global CA and client certificate exist and are current (docker-machine's bootstrap). */
export async function bootstrapCertificates(engine: Engine, progress: ProgressSink = ignoreProgress): Promise<void> {
	const certs = await import('../certs/generate.js');
	// Two creates at once must not pair one's CA key with the other's CA certificate.
	const created = await engine.store.withLock(certificatesLock, async () => certs.ensureCertificateFiles(engine.certPaths, certificateUser(engine.env)));
	reportCreated(created, progress);
}

/** regenerate-certs --client-certs: a new CA and client certificate, even if the old are valid (#4397). */
export async function rotateClientCertificates(engine: Engine, progress: ProgressSink = ignoreProgress): Promise<void> {
	const certs = await import('../certs/generate.js');
	const created = await engine.store.withLock(certificatesLock, async () => certs.replaceCertificateFiles(engine.certPaths, certificateUser(engine.env)));
	reportCreated(created, progress);
}

/**
 * Copies the global CA and client certificate into the machine directory, which is what
 * DOCKER_CERT_PATH points the docker CLI at.
 */
export async function copyClientCertificates(engine: Engine, machineDir: string): Promise<void> {
	await ensurePrivateDir(machineDir);
	const copies: Array<[string, string, number]> = [
		[engine.certPaths.caCert, 'ca.pem', 0o644],
		[engine.certPaths.clientCert, 'cert.pem', 0o644],
		[engine.certPaths.clientKey, 'key.pem', privateFileMode],
	];
	// Under the store's certificate lock: a `regenerate-certs --client-certs` running beside this
	// copy would otherwise hand the machine a new ca.pem with the old cert.pem.
	await engine.store.withLock(certificatesLock, async () =>
		Promise.all(
			copies.map(async ([from, name, mode]) => {
				const target = path.join(machineDir, name);
				await copyFile(from, target);
				await chmod(target, mode);
			}),
		),
	);
}
