// The Driver interface every driver implements, and what a driver kind declares.
import type {DriverContext, SshDetails} from '../driver-context.js';
import type {MachineState} from '../state.js';
import type {OptionSpec, OptionValue} from '../options.js';
import type {BaseDriverConfig} from '../store/host.js';

/** A TCP port on 127.0.0.1 forwarded into a local VM. */
export type PortForward = {host: number; guest: number};

/**
 * One machine's driver: how to make, reach, power and remove the host. It owns the `Driver`
 * object of config.json; everything else in the record belongs to the engine.
 *
 * Adding a driver: one file (or folder) here whose default export is a DriverDefinition (its
 * options as data, and how to build a driver from flags or from a stored config), plus one line
 * in registry.ts. Drivers of hosts reached by IP address and SSH extend IpSshDriver (ip-ssh.ts),
 * local VMs LocalVmDriver (local-vm/base.ts); waits go through polling.ts so that every one of
 * them is abortable.
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
	/** Plugins: the options of a new machine go to the plugin (SetConfigFromFlags), which may refuse them. */
	applyOptions?(env: NodeJS.ProcessEnv): Promise<void>;
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
