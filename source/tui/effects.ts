import {containerShellCommand, createOptionSpecs, errorMessage, loadDriverDefinition, machineSize, resizeFormOptions} from '../engine/index.js';
import {detectShell, shellFromFlag, type ShellName} from '../format/env.js';
import {dockerContext, envExports, sshCommand} from './actions.js';
import {buildForm} from './reducers/form.js';
import type {Effect} from './reducers/state.js';
import type {Services} from './services.js';
import type {Dispatch} from './store.js';

/** The shell the env dialog starts with: the remembered one, else the user's. */
export function preferredShell(preference: string | undefined, env: NodeJS.ProcessEnv): ShellName {
	try {
		return preference ? shellFromFlag(preference) : detectShell(env);
	} catch {
		return detectShell(env);
	}
}

/**
 * Runs what the reducer asked for against the services; answers that come later (env exports,
 * a loaded driver, an ssh command line) come back as actions.
 */
export function createEffectRunner(services: Services, exit: () => void): (effect: Effect, dispatch: Dispatch) => void {
	const {engine, runner, poller, preferences} = services;
	return (effect, dispatch) => {
		const failure = (title: string) => (error: unknown) => {
			dispatch({type: 'failure', title, text: errorMessage(error)});
		};

		switch (effect.type) {
			case 'exit': {
				exit();
				break;
			}

			case 'run': {
				runner.run(effect.kind, effect.machine);
				break;
			}

			case 'swarm': {
				runner.swarm(effect.kind, effect.machine, effect.manager);
				break;
			}

			case 'ssh': {
				sshCommand(engine, effect.machine).then(
					ssh => {
						dispatch({type: 'handOff', machine: effect.machine, ...ssh});
					},
					failure(`Cannot SSH into ${effect.machine}`),
				);
				break;
			}

			case 'copyEnv': {
				const {machine, shell, request} = effect;
				void (async () => {
					try {
						const text = await envExports(engine, machine, shell);
						const report = await services.copy(text);
						dispatch({
							type: 'dialogAnswer',
							request,
							overlay: {kind: 'env', machine, shell, text, report},
							toast: {text: `Copied the ${shell} exports for ${machine} with ${report.methods.join(' and ')}`, tone: 'success'},
						});
					} catch (error) {
						dispatch({type: 'dialogAnswer', request, overlay: {kind: 'env', machine, shell, error: errorMessage(error)}});
					}
				})();

				break;
			}

			case 'rememberShell': {
				preferences.set('envShell', effect.shell);
				break;
			}

			case 'dockerContext': {
				dockerContext(engine, effect.machine).then(
					name => {
						dispatch({type: 'toast', toast: {text: `Docker context "${name}" written: docker context use ${name}`, tone: 'success'}});
					},
					failure(`No Docker context for ${effect.machine}`),
				);
				break;
			}

			case 'refresh': {
				void poller.refresh();
				break;
			}

			case 'dismiss': {
				runner.dismiss(effect.id);
				break;
			}

			case 'loadDriver': {
				const {driver} = effect;
				loadDriverDefinition(driver, engine.env).then(
					definition => {
						const remembered = preferences.get('lastCreateOptions')[driver];
						dispatch({
							type: 'driverLoaded',
							driver,
							form: buildForm({driver, driverOptions: definition.options, sharedOptions: createOptionSpecs, env: engine.env, remembered}),
						});
					},
					(error: unknown) => {
						dispatch({type: 'driverFailed', driver, problem: errorMessage(error)});
					},
				);
				break;
			}

			case 'containerAction': {
				runner.container(effect.machine, {id: effect.id, name: effect.name}, effect.action, effect.force);
				break;
			}

			case 'containerShell': {
				containerShellCommand(engine, effect.machine, effect.id).then(
					shell => {
						dispatch({type: 'handOff', machine: effect.machine, what: `shell in ${effect.name}`, ...shell});
					},
					failure(`Cannot open a shell in ${effect.name}`),
				);
				break;
			}

			case 'openLogs': {
				services.logs.open(effect.machine, effect.id);
				break;
			}

			case 'openServiceLogs': {
				services.logs.openService(effect.machine, effect.service);
				break;
			}

			case 'scaleService': {
				runner.scale(effect.machine, effect.service, effect.replicas);
				break;
			}

			case 'closeLogs': {
				services.logs.close();
				break;
			}

			case 'create': {
				const {request, remember, command} = effect;
				preferences.set('lastCreateOptions', {...preferences.get('lastCreateOptions'), [request.driverName]: remember});
				const operation = runner.create(request);
				dispatch({type: 'createStarted', operationId: operation.id, machine: request.name, command});
				break;
			}

			case 'loadSize': {
				const {machine, driver} = effect;
				machineSize(engine, machine).then(
					size => {
						const form = buildForm({driver, driverOptions: resizeFormOptions(size), sharedOptions: [], env: engine.env, named: false});
						dispatch({type: 'sizeLoaded', machine, form});
					},
					(error: unknown) => {
						dispatch({type: 'sizeFailed', machine, problem: errorMessage(error)});
					},
				);
				break;
			}

			case 'resize': {
				runner.resize(effect.machine, effect.request);
				break;
			}
		}
	};
}
