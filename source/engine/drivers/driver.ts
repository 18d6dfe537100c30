// The Driver interface every driver implements, and what a driver kind declares.
import type {DriverContext, SshDetails} from '../driver-context.js';
import type {MachineState} from '../state.js';
import type {OptionSpec, OptionValue} from '../options.js';
import type {BaseDriverConfig} from '../store/host.js';

/** A local VM's new size: each part given is changed, in MB for memory and disk. */
export type VmSize = {cpus?: number; memoryMb?: number; diskSizeMb?: number};

/** A TCP port on 127.0.0.1 forwarded into a local VM. */
export type PortForward = {host: number; guest: number};

/** A port a container published inside a local VM, forwarded from the same port on 127.0.0.1. */
export type PublishedForward = {protocol: 'tcp' | 'udp'; port: number};

/** What the published-ports agent asks of a local VM whose network forwards ports one by one. */
export type Forwarder = {
	/** Host ports the machine forwards for itself (SSH, Docker, `port`): never a container's. */
	reserved(): number[];
	/** The VM's forwards now, the reserved ones left out. */
	current(): Promise<PublishedForward[]>;
	/** Undefined once added; otherwise why not, naming what holds the port on this computer. */
	add(forward: PublishedForward): Promise<string | undefined>;
	remove(forward: PublishedForward): Promise<void>;
};

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
	/**
	 * Local VMs: a new CPU count and memory, for the next start, and a larger disk (grown while
	 * the VM is stopped; the guest grows its partition and file system at its next boot).
	 * `checkOnly`: throws what it would refuse, changing nothing.
	 */
	resize?(context: DriverContext, size: VmSize, options?: {checkOnly?: boolean}): Promise<void>;
	/** Local VMs reached through forwards on 127.0.0.1 (qemu): how containers' published ports get there. */
	forwarder?(context: DriverContext): Forwarder;
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
