// The Engine value every engine call takes: store, global TLS files, environment, program name.
import path from 'node:path';
import type {DriverTimings} from './driver-context.js';
import {defaultCertPaths, type CertPaths} from './store/host.js';
import {Store, defaultStorePath} from './store/store.js';

/**
 * Everything an engine call needs to know about where it runs: the store, the global TLS files
 * and the environment (for $DOCKER_HOST, proxies, driver env vars). Faces build one per process
 * and pass it in; nothing in the engine reads process-wide settings on its own.
 */
export type Engine = {
	readonly store: Store;
	readonly certPaths: CertPaths;
	readonly env: NodeJS.ProcessEnv;
	/** The name shown in hints and messages ("Use \"machinist ls\"…"). */
	readonly program: string;
	/** Waits to shorten, by driver name. */
	readonly driverTimings: Readonly<Record<string, DriverTimings>>;
};

export type EngineSettings = {
	storagePath?: string;
	tlsCaCert?: string;
	tlsCaKey?: string;
	tlsClientCert?: string;
	tlsClientKey?: string;
	env?: NodeJS.ProcessEnv;
	program?: string;
	driverTimings?: Readonly<Record<string, DriverTimings>>;
};

export function createEngine(settings: EngineSettings = {}): Engine {
	const env = settings.env ?? process.env;
	const root = settings.storagePath ? path.resolve(settings.storagePath) : defaultStorePath(env);
	const defaults = defaultCertPaths(root);
	// Paths are persisted into machine records, so they must be absolute like docker-machine's.
	const absolute = (given: string | undefined, fallback: string) => (given ? path.resolve(given) : fallback);
	const program = settings.program ?? 'machinist';
	return {
		store: new Store(root, program),
		certPaths: {
			caCert: absolute(settings.tlsCaCert, defaults.caCert),
			caKey: absolute(settings.tlsCaKey, defaults.caKey),
			clientCert: absolute(settings.tlsClientCert, defaults.clientCert),
			clientKey: absolute(settings.tlsClientKey, defaults.clientKey),
		},
		env,
		program,
		driverTimings: settings.driverTimings ?? {},
	};
}
