// Long operations run in the background for the app, each with a live log.
import type {Engine} from '../engine.js';
import {errorMessage} from '../errors.js';
import type {ProgressEvent} from '../progress.js';
import {loadMachine} from '../machine.js';
import type {ContainerAction} from '../docker/containers.js';
import type {CreateRequest} from './create-options.js';
import type {ResizeRequest} from './resize.js';

export type OperationKind =
	| 'start'
	| 'stop'
	| 'restart'
	| 'kill'
	| 'provision'
	| 'regenerate-certs'
	| 'rm'
	| 'create'
	| 'swarm-init'
	| 'swarm-join'
	| 'swarm-leave'
	| 'set'
	| 'service-scale'
	| `container-${ContainerAction}`;

export type Operation = {
	id: number;
	kind: OperationKind;
	machine: string;
	/** The container (or swarm service) acted on: the machine itself is not busy. */
	container?: string;
	state: 'running' | 'done' | 'failed';
	/** Progress lines as the CLI would print them. */
	log: string[];
	error?: string;
	startedAt: number;
	endedAt?: number;
};

/**
 * Long actions run in the background for a long-running face (the TUI): several at once, each
 * with a live log of its progress events, failures kept until dismissed. Listeners hear about
 * every change; `onSettled` lets the face refresh its machine list.
 */
export class OperationRunner {
	readonly #engine: Engine;
	readonly #operations: Operation[] = [];
	readonly #listeners = new Set<() => void>();
	readonly #onChange: (operation: Operation) => void;
	#nextId = 1;

	constructor(engine: Engine, hooks: {onChange?: (operation: Operation) => void} = {}) {
		this.#engine = engine;
		this.#onChange = hooks.onChange ?? (() => undefined);
	}

	subscribe(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}

	list(): readonly Operation[] {
		return this.#operations;
	}

	running(): Operation[] {
		return this.#operations.filter(operation => operation.state === 'running');
	}

	/** The running operation on a machine, if any (its row shows a spinner). */
	runningOn(machine: string): Operation | undefined {
		return this.#operations.find(operation => operation.machine === machine && operation.container === undefined && operation.state === 'running');
	}

	dismiss(id: number): void {
		const index = this.#operations.findIndex(operation => operation.id === id && operation.state !== 'running');
		if (index !== -1) this.#operations.splice(index, 1);
		this.#emit();
	}

	/** Each operation's module loads when first run: the command line, which imports this class through the engine index, never does. */
	run(
		kind: Exclude<OperationKind, 'create' | 'swarm-init' | 'swarm-join' | 'swarm-leave' | 'set' | 'service-scale' | `container-${string}`>,
		machine: string,
	): Operation {
		return this.#start(kind, machine, async progress => {
			const loaded = await loadMachine(this.#engine, machine);
			switch (kind) {
				case 'provision': {
					const {provisionMachine} = await import('./provision.js');
					await provisionMachine(this.#engine, loaded, {progress});
					break;
				}

				case 'regenerate-certs': {
					const {regenerateCertificates} = await import('./provision.js');
					await regenerateCertificates(this.#engine, loaded, {progress});
					break;
				}

				case 'rm': {
					const {removeMachine} = await import('./remove.js');
					await removeMachine(this.#engine, machine, {progress});
					progress({type: 'step', message: `Successfully removed ${machine}`});
					break;
				}

				default: {
					const {powerMachine} = await import('./power.js');
					await powerMachine(this.#engine, loaded, kind, {progress});
				}
			}
		});
	}

	/** Swarm membership of one machine: init a swarm on it, join it to `manager`'s, or leave. */
	swarm(kind: 'swarm-init' | 'swarm-join' | 'swarm-leave', machine: string, manager = ''): Operation {
		return this.#start(kind, machine, async progress => {
			const cluster = await import('../swarm/cluster.js');
			if (kind === 'swarm-init') await cluster.initCluster(this.#engine, machine, {progress});
			else if (kind === 'swarm-join') await cluster.joinCluster(this.#engine, manager, [machine], {progress});
			else await cluster.leaveCluster(this.#engine, machine, {progress});
		});
	}

	/** set: a local VM's new CPU count, memory or disk (the app's details screen offers it as a form). */
	resize(machine: string, request: ResizeRequest): Operation {
		return this.#start('set', machine, async progress => {
			const {resizeMachine} = await import('./resize.js');
			const outcome = await resizeMachine(this.#engine, machine, request, {progress});
			progress({
				type: 'step',
				message:
					outcome === 'restarted'
						? `Machine "${machine}" was restarted with its new size.`
						: `Machine "${machine}" takes its new size at its next start.`,
			});
		});
	}

	/** An action on one container of a machine (`remove` with `force` takes a running one). */
	container(machine: string, container: {id: string; name: string}, action: ContainerAction, force = false): Operation {
		return this.#start(
			`container-${action}`,
			machine,
			async progress => {
				const {actOnContainer} = await import('./containers.js');
				progress({type: 'step', message: `${action}${force ? ' --force' : ''} ${container.name} on ${machine}`});
				await actOnContainer(this.#engine, machine, container.id, action, {force});
				progress({type: 'step', message: `Done: ${container.name} on ${machine}`});
			},
			container.name,
		);
	}

	/** `docker service scale NAME=N` on the swarm `machine` manages. */
	scale(machine: string, service: string, replicas: number): Operation {
		return this.#start(
			'service-scale',
			machine,
			async progress => {
				const {scaleService} = await import('./services.js');
				progress({type: 'step', message: `scale ${service}=${replicas} on ${machine}`});
				await scaleService(this.#engine, machine, service, replicas);
				progress({type: 'step', message: `Done: ${service} asks for ${replicas} replica${replicas === 1 ? '' : 's'}`});
			},
			service,
		);
	}

	create(request: CreateRequest): Operation {
		return this.#start('create', request.name, async progress => {
			const {createMachine} = await import('./create.js');
			await createMachine(this.#engine, request, {progress});
		});
	}

	#start(kind: OperationKind, machine: string, work: (progress: (event: ProgressEvent) => void) => Promise<void>, container?: string): Operation {
		const operation: Operation = {
			id: this.#nextId++,
			kind,
			machine,
			...(container === undefined ? {} : {container}),
			state: 'running',
			log: [],
			startedAt: Date.now(),
		};
		this.#operations.push(operation);
		let downloadLine: number | undefined;
		const progress = (event: ProgressEvent) => {
			const line = event.type === 'log' || event.type === 'download' ? `(${event.machine}) ${event.message}` : event.message;
			// A download updates its one line rather than adding hundreds.
			if (event.type === 'download' && downloadLine === operation.log.length - 1) operation.log[downloadLine] = line;
			else operation.log.push(line);
			downloadLine = event.type === 'download' ? operation.log.length - 1 : undefined;
			this.#changed(operation);
		};

		this.#changed(operation);
		void work(progress)
			.then(
				() => {
					operation.state = 'done';
				},
				(error: unknown) => {
					operation.state = 'failed';
					operation.error = errorMessage(error);
				},
			)
			.finally(() => {
				operation.endedAt = Date.now();
				this.#changed(operation);
			});
		return operation;
	}

	#changed(operation: Operation): void {
		this.#onChange(operation);
		this.#emit();
	}

	#emit(): void {
		for (const listener of this.#listeners) listener();
	}
}
