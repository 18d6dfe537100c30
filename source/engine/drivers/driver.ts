// The Driver interface every driver implements, and what a driver kind declares.
import type {MachineState} from '../machines/state.js';
import type {OptionSpec, OptionValue} from '../options.js';
import type {ProgressSink} from '../progress.js';
import type {BaseDriverConfig} from '../store/host.js';

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

/** What a driver call may need beyond its own config. */
export type DriverContext = {
	/** The machine's directory in the store (keys, certs). */
	machineDir: string;
	/** The engine's environment (PATH, proxies, the ssh agent, XDG_RUNTIME_DIR), as the face gave it. */
	env: NodeJS.ProcessEnv;
	signal?: AbortSignal;
	progress?: ProgressSink;
	timings?: DriverTimings;
};

/** A TCP port on 127.0.0.1 forwarded into a local VM. */
export type PortForward = {host: number; guest: number};

export type SshDetails = {
	host: string;
	port: number;
	user: string;
	/** Empty: use the agent or the user's default identities. */
	keyPath: string;
};

/**
 * One machine's driver: how to make, reach, power and remove the host. It owns the `Driver`
 * object of config.json; everything else in the record belongs to the engine.
 *
 * Adding a driver: one file here whose default export is a DriverDefinition (its options as
 * data, and how to build a driver from flags or from a stored config), plus one line in
 * registry.ts. Drivers of hosts reached by IP address and SSH extend IpSshDriver (ip-ssh.ts);
 * waits go through polling.ts so that every one of them is abortable.
 */
export type Driver = {
	readonly driverName: string;
	/** The JSON stored under "Driver" in config.json, with fields this driver does not know kept. */
	readonly config: BaseDriverConfig;
	preCreateCheck(context: DriverContext): Promise<void>;
	create(context: DriverContext): Promise<void>;
	remove(context: DriverContext): Promise<void>;
	start(context: DriverContext): Promise<void>;
	stop(context: DriverContext): Promise<void>;
	restart(context: DriverContext): Promise<void>;
	kill(context: DriverContext): Promise<void>;
	/** Throws when the state cannot be found out; the message is shown as the machine's error. */
	getState(context: DriverContext): Promise<MachineState>;
	/** The Docker daemon's URL, `tcp://IP:PORT`; throws `Host is not running` when there is none. */
	getURL(context: DriverContext): Promise<string>;
	getIP(context: DriverContext): Promise<string>;
	/** Undefined for drivers without SSH (none). */
	sshDetails(context: DriverContext): Promise<SshDetails | undefined>;
	/** Whether created machines are provisioned over SSH (docker-machine skips it for none). */
	readonly provisions: boolean;
	/** How long to wait for SSH before provisioning; drivers of hosts that exist already wait less. */
	readonly sshWaitMs?: number;
	/** Local VMs: forwards HOST:GUEST into the machine (now, if running, and at every start). */
	addPortForward?(context: DriverContext, forward: string): Promise<PortForward>;
	/** Local VMs: the file the serial console is logged to. */
	consoleLog?(context: DriverContext): string;
};

/** A driver kind: its options as data, and how to build a driver for a new or stored machine. */
export type DriverDefinition = {
	name: string;
	description: string;
	options: readonly OptionSpec[];
	/** docker-machine's SetConfigFromFlags: may throw a MachinistError naming the bad option. */
	fromOptions(base: BaseDriverConfig, values: Readonly<Record<string, OptionValue>>): Driver;
	fromConfig(config: BaseDriverConfig): Driver;
};
