import {useEffect, useRef, useState} from 'react';
import {errorMessage, type OperationKind} from '../../engine/index.js';
import {detectShell, shellFromFlag, type ShellName} from '../../format/env.js';
import {dockerContext, envExports, sshCommand} from '../actions.js';
import type {EnvDialogProps} from '../components/EnvDialog.js';
import type {Toast} from '../components/StatusLine.js';
import type {CommandName, Context} from '../keymap.js';
import {operationVerbs} from '../labels.js';
import {useServices} from '../services.js';

/** What is drawn over the current screen, and takes the keys while it is there. */
export type Overlay =
	| {kind: 'help'; from: Context; scroll: number}
	| {kind: 'confirm'; question: string; onYes: () => void}
	| ({kind: 'env'} & Omit<EnvDialogProps, 'inTmux'>)
	| {kind: 'message'; title: string; text: string};

type MachineOperation = Exclude<OperationKind, 'create'>;

const operationCommands: Partial<Record<CommandName, MachineOperation>> = {
	start: 'start',
	stop: 'stop',
	restart: 'restart',
	kill: 'kill',
	provision: 'provision',
	regenerateCerts: 'regenerate-certs',
	remove: 'rm',
};

/** Destructive operations ask first, in docker-machine's words where it asked. */
const questions: Partial<Record<MachineOperation, (machine: string) => string>> = {
	kill: machine => `Kill ${machine}? It is powered off at once, without shutting down.`,
	'regenerate-certs': machine => `Regenerate the certificates of ${machine}? This restarts its Docker daemon, which may stop running containers.`,
	rm: machine => `About to remove ${machine}. This deletes both the local reference and the remote instance. Are you sure?`,
};

export function isMachineCommand(command: CommandName): boolean {
	return operationCommands[command] !== undefined || command === 'ssh' || command === 'copyEnv' || command === 'dockerContext';
}

function preferredShell(preference: string | undefined, env: NodeJS.ProcessEnv): ShellName {
	try {
		return preference ? shellFromFlag(preference) : detectShell(env);
	} catch {
		return detectShell(env);
	}
}

export type MachineActionsUi = {
	setOverlay: (overlay: Overlay | undefined) => void;
	setToast: (toast: Toast | undefined) => void;
	/** A machine is being removed: leave any screen that shows it. */
	onRemove: (machine: string) => void;
};

/**
 * The keys that act on one machine: operations (asking first where destructive), env export,
 * Docker context and the ssh hand-off. Results come back as toasts and dialogs; answers that
 * arrive after their dialog was closed or replaced are dropped.
 */
export function useMachineActions({setOverlay, setToast, onRemove}: MachineActionsUi) {
	const services = useServices();
	const {engine, runner, preferences} = services;
	const dialogRequest = useRef(0);
	const [handoff, setHandoff] = useState<{machine: string; binary: string; args: string[]}>();

	const notify = (text: string, tone: Toast['tone'] = 'info') => {
		setToast({text, tone});
	};

	useEffect(() => {
		if (!handoff) return;
		services.handOff(handoff.binary, handoff.args).then(
			code => {
				notify(`The ssh session on ${handoff.machine} ended (exit code ${code})`, code === 0 ? 'info' : 'danger');
			},
			(error: unknown) => {
				notify(`ssh to ${handoff.machine} failed: ${errorMessage(error)}`, 'danger');
			},
		).finally(() => {
			setHandoff(undefined);
		});
	}, [handoff]);

	const closeDialog = () => {
		dialogRequest.current++;
		setOverlay(undefined);
	};

	const showFailure = (title: string, error: unknown) => {
		dialogRequest.current++;
		setToast(undefined);
		setOverlay({kind: 'message', title, text: errorMessage(error)});
	};

	const operate = (kind: MachineOperation, machine: string) => {
		const busy = runner.runningOn(machine);
		if (busy) {
			notify(`${machine} is busy (${operationVerbs[busy.kind]}); wait for it, or see o`, 'danger');
			return;
		}

		const run = () => {
			runner.run(kind, machine);
			if (kind === 'rm') onRemove(machine);
		};

		const question = questions[kind];
		if (question) setOverlay({kind: 'confirm', question: question(machine), onYes: run});
		else run();
	};

	const copyEnv = (machine: string, shell: ShellName) => {
		const request = ++dialogRequest.current;
		setOverlay({kind: 'env', machine, shell});
		void (async () => {
			try {
				const text = await envExports(engine, machine, shell);
				const report = await services.copy(text);
				if (request !== dialogRequest.current) return;
				setOverlay({kind: 'env', machine, shell, text, report});
				notify(`Copied the ${shell} exports for ${machine} with ${report.methods.join(' and ')}`, 'success');
			} catch (error) {
				if (request === dialogRequest.current) setOverlay({kind: 'env', machine, shell, error: errorMessage(error)});
			}
		})();
	};

	const onMachine = (command: CommandName, machine: string) => {
		const kind = operationCommands[command];
		if (kind) {
			operate(kind, machine);
			return;
		}

		switch (command) {
			case 'ssh': {
				notify(`Connecting to ${machine}…`);
				sshCommand(engine, machine).then(
					ssh => {
						setHandoff({machine, ...ssh});
					},
					(error: unknown) => {
						showFailure(`Cannot SSH into ${machine}`, error);
					},
				);
				break;
			}

			case 'copyEnv': {
				copyEnv(machine, preferredShell(preferences.get('envShell'), engine.env));
				break;
			}

			case 'dockerContext': {
				notify(`Writing a Docker context for ${machine}…`);
				dockerContext(engine, machine).then(
					name => {
						notify(`Docker context "${name}" written: docker context use ${name}`, 'success');
					},
					(error: unknown) => {
						showFailure(`No Docker context for ${machine}`, error);
					},
				);
				break;
			}
		}
	};

	/** Tab in the env dialog: the next shell's exports, remembered as the preference. */
	const switchShell = (machine: string, shell: ShellName) => {
		preferences.set('envShell', shell);
		copyEnv(machine, shell);
	};

	return {onMachine, closeDialog, switchShell, handingOff: handoff !== undefined};
}
