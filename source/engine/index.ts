/**
 * The engine's front door: the one module the command line (source/cli, source/commands) and
 * the app (source/tui) import. Behind it:
 *
 *   machines/    the operations users name: create, start/stop (power), provision, rm, inspect,
 *                asking machines their state (query, ls --filter), the app's poller and runner
 *   swarm/       swarm mode over the Engine API
 *   provision/   turning a Linux host into a TLS-secured Docker host: distribution families,
 *                init systems, dockerd's options
 *   access/      reaching a machine from this computer: the TLS connection check and `env`, the
 *                system ssh/scp, Docker CLI contexts, no_proxy
 *   machine.ts   a stored machine with its driver ready: the handle the layers above act on
 *   drivers/     one file per driver behind the Driver interface (driver.ts), listed in registry.ts
 *   docker/      the Docker Engine API client over TLS
 *   certs/       the CA, client and server certificates: making, checking, reading
 *   engine.ts    the Engine value: the store, the TLS files, the environment
 *   images/ vm/  the VM image cache; the cloud-init seed, QMP, VBoxManage
 *   ssh/         the SSH client (ssh2): connect, run, upload, wait for sshd, keys, host-key pins
 *   store/       MACHINE_STORAGE_PATH (config.json records, locks, notes) and the app's preferences
 *   *.ts         what every layer shares: errors, options, progress, polling, programs, machine
 *                states, the driver context and SSH details, the order of names
 *
 * Each layer imports only those listed below it (test/architecture.test.ts holds the table).
 *
 * Start-up cost matters (`env` and `ls -q` run in prompts and scripts): importing this module must
 * not load node-forge, ssh2, a cloud SDK or conf (they load inside the functions that need them),
 * and the operations a command runs one of (create, power, provision, ssh, …) are loaded on their
 * first call, so every other command starts without them.
 */
export {createEngine, type Engine, type EngineSettings} from './engine.js';
export {MachineNotFoundError, MachinistError, errorMessage} from './errors.js';
export {
	boolOption,
	intOption,
	listOption,
	parseGoBool,
	parseOptionText,
	resolveOptions,
	stringOption,
	type OptionSpec,
	type OptionValue,
	type OptionValues,
} from './options.js';
export type {ProgressEvent, ProgressSink} from './progress.js';
export {findProgram, runProgram} from './programs.js';

/** A function of a module that loads on the function's first call. */
function onFirstCall<M, K extends keyof M>(load: () => Promise<M>, name: K): M[K] {
	return (async (...args: unknown[]) => {
		const module = await load();
		return (module[name] as (...args: unknown[]) => unknown)(...args);
	}) as M[K];
}

export {stateLabel, type MachineState} from './state.js';
export {loadMachine, loadMachines, type Machine} from './machine.js';
export {createOptionSpecs, type CreateRequest} from './machines/create-options.js';
export const createMachine = onFirstCall(async () => import('./machines/create.js'), 'createMachine');
export const powerMachine = onFirstCall(async () => import('./machines/power.js'), 'powerMachine');
export type {PowerAction} from './machines/power.js';
export {isLocalVmDriver, resizeFormOptions, resizeOptions, resizeRequestFrom, type ResizeRequest} from './machines/resize.js';
export const machineSize = onFirstCall(async () => import('./machines/resize.js'), 'machineSize');
export const addPortForward = onFirstCall(async () => import('./machines/ports.js'), 'addPortForward');
export const resizeMachine = onFirstCall(async () => import('./machines/resize.js'), 'resizeMachine');
export const removeMachine = onFirstCall(async () => import('./machines/remove.js'), 'removeMachine');
export const provisionMachine = onFirstCall(async () => import('./machines/provision.js'), 'provisionMachine');
export const regenerateCertificates = onFirstCall(async () => import('./machines/provision.js'), 'regenerateCertificates');
export const upgradeMachine = onFirstCall(async () => import('./machines/provision.js'), 'upgradeMachine');
export const inspectMachine = onFirstCall(async () => import('./machines/inspect.js'), 'inspectMachine');
export const machineDetails = onFirstCall(async () => import('./machines/inspect.js'), 'machineDetails');
export type {CertificateSummary, MachineDetails} from './machines/inspect.js';
export {activeMachine, machineIp, machineState, queryMachines, type MachineStatus} from './machines/query.js';
export {naturalCompare} from './natural-compare.js';
export {matchesStateFilter, parseFilters, recordFilter} from './machines/filters.js';
export {StatusPoller, type MachineRow, type PollerOptions} from './machines/poller.js';
export {QueryPoller, type QuerySnapshot} from './query-poller.js';
export {OperationRunner, type Operation, type OperationKind} from './machines/runner.js';

export const initCluster = onFirstCall(async () => import('./swarm/cluster.js'), 'initCluster');
export const joinCluster = onFirstCall(async () => import('./swarm/cluster.js'), 'joinCluster');
export const leaveCluster = onFirstCall(async () => import('./swarm/cluster.js'), 'leaveCluster');
export const listCluster = onFirstCall(async () => import('./swarm/view.js'), 'listCluster');
export const removalWarnings = onFirstCall(async () => import('./swarm/cluster.js'), 'removalWarnings');
export type {ClusterNode, ClusterView} from './swarm/view.js';
export const listServices = onFirstCall(async () => import('./machines/services.js'), 'listServices');
export const followServiceLogs = onFirstCall(async () => import('./machines/services.js'), 'followServiceLogs');
export {parseReplicas, whyNotScalable} from './swarm/services.js';
export type {ServiceRow, ServiceTask} from './swarm/services.js';

// Loaded on first call: the connection check brings node:tls, which `ls -q` never needs.
export const connectionConfig = onFirstCall(async () => import('./access/connection.js'), 'connectionConfig');
export const dockerEnvironment = onFirstCall(async () => import('./access/connection.js'), 'dockerEnvironment');
export const dockerVersion = onFirstCall(async () => import('./access/connection.js'), 'dockerVersion');
export const machineUrl = onFirstCall(async () => import('./access/connection.js'), 'machineUrl');
export const sshTarget = onFirstCall(async () => import('./access/ssh.js'), 'sshTarget');
export const sshArguments = onFirstCall(async () => import('./access/ssh.js'), 'sshArguments');
export const copyOptions = onFirstCall(async () => import('./access/ssh.js'), 'copyOptions');
export const resetHostKey = onFirstCall(async () => import('./access/ssh.js'), 'resetHostKey');
export const openSshClient = onFirstCall(async () => import('./access/ssh.js'), 'openSshClient');
export type {SshTarget} from './access/ssh.js';
export const writeDockerContext = onFirstCall(async () => import('./access/docker-context.js'), 'writeDockerContext');
export {noProxyVariableName} from './access/no-proxy.js';

export const rotateClientCertificates = onFirstCall(async () => import('./certs/bootstrap.js'), 'rotateClientCertificates');
export {availableDrivers, loadDriverDefinition} from './drivers/registry.js';
export {closePlugins, setPluginLogSink} from './drivers/plugin/lifecycle.js';
export type {Driver} from './drivers/driver.js';
export type {DriverTimings} from './driver-context.js';
export {shellQuote} from './ssh/quote.js';
export {assertUsableMachineName, isValidMachineName} from './store/host.js';
export {rsyncShellWord, sshfsOption} from './access/program-args.js';
export {goJson, serializeHost} from './store/store.js';
export {openPreferences, type Preferences} from './store/preferences.js';

// The app's containers: the watcher and actions load on first use (they bring the TLS client).
export const createContainerWatcher = onFirstCall(async () => import('./machines/container-watcher.js'), 'createContainerWatcher');
export type {ContainerTable, ContainerWatcher} from './machines/container-watcher.js';
export {containerName, portsLabel} from './docker/labels.js';
export {statusAfter, statusChangesIn} from './docker/status.js';
export type {ContainerAction, ContainerStats} from './docker/containers.js';
export type {FollowLogsOptions, LogLine} from './docker/logs.js';
export const followLogs = onFirstCall(async () => import('./machines/containers.js'), 'followLogs');
export const containerShellCommand = onFirstCall(async () => import('./machines/containers.js'), 'containerShellCommand');
