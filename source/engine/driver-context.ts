// What every layer passes a driver and gets back from one: the waits a face may shorten, the
// context of a driver call, a machine's SSH details. Here at the root, below the drivers, so that
// ssh/ and the engine's value can name them without reaching up into drivers/.
import type {ProgressSink} from './progress.js';

/**
 * Waits a face may shorten (the command line takes them from MACHINIST_<DRIVER>_… variables,
 * which tests set); each one unset is the driver's own default. The engine reads no environment
 * variables for them.
 */
export type DriverTimings = {
	/** How long a new or started host may take to be running with an address. */
	readyTimeoutMs?: number;
	/** How long provisioning waits for SSH on a new host. */
	sshWaitMs?: number;
	/** The pause between two polls of a cloud API. */
	pollIntervalMs?: number;
	/** A local VM: how long an accelerated guest may take to print its first kernel line before tcg is tried. */
	accelProbeMs?: number;
	/** A local VM: how long an ACPI power-down may take before the VM is killed. */
	stopTimeoutMs?: number;
	/** How long provisioning lets the init system restart dockerd (a VM under TCG takes minutes). */
	dockerRestartMs?: number;
	/** How long start, restart and create wait for a running machine's Docker to answer. */
	dockerWaitMs?: number;
};

/**
 * What a local VM's cloud-init seed carries so that dockerd's first start is already secured:
 * files written before dockerd starts, and a script run once, early in the first boot.
 */
export type DockerSeed = {
	files: ReadonlyArray<{path: string; content: string; mode: number}>;
	script: string;
};

/** What a driver call may need beyond its own config. */
export type DriverContext = {
	/** The machine's directory in the store (keys, certs). */
	machineDir: string;
	/** The engine's environment (PATH, proxies, the ssh agent, XDG_RUNTIME_DIR), as the face gave it. */
	env: NodeJS.ProcessEnv;
	signal?: AbortSignal;
	progress?: ProgressSink;
	timings?: DriverTimings;
	/**
	 * create: the Docker material for a local VM's seed, for a daemon on `enginePort` in the guest;
	 * undefined when it cannot be made before the boot (the address comes with it).
	 */
	dockerSeed?: (enginePort: number) => Promise<DockerSeed | undefined>;
};

export type SshDetails = {
	host: string;
	port: number;
	user: string;
	/** Empty: use the agent or the user's default identities. */
	keyPath: string;
};
