// Hosts without an init system we know: dockerd started directly.
import {shellCommand, shellQuote} from '../../ssh/quote.js';
import type {DaemonSetup} from '../daemon.js';
import {writeIfChanged} from '../remote.js';
import type {InitSystem} from './init-system.js';

const startScript = '/etc/docker/machinist-dockerd.sh';
const logFile = '/var/log/machinist-dockerd.log';
const pidFile = '/var/run/docker.pid';

export function startScriptContent(setup: DaemonSetup): string {
	return [
		'#!/bin/sh',
		'# Written by machinist: this host has no init system, so machinist starts dockerd itself.',
		...setup.env.map(entry => `export ${shellQuote(entry)}`),
		`exec ${shellCommand([setup.dockerd, '--pidfile', pidFile, ...setup.args])}`,
		'',
	].join('\n');
}

/**
 * Hosts without systemd or OpenRC (containers, WSL-like hosts): dockerd runs detached from our
 * SSH session with a pid file and a log file. docker-machine assumed an init system and retried
 * for minutes before failing here.
 */
const direct: InitSystem = {
	name: 'none',
	async localSocket() {
		return 'unix:///var/run/docker.sock';
	},
	async configure(remote, setup, signal) {
		return writeIfChanged(remote, startScript, startScriptContent(setup), 0o755, signal);
	},
	async restart(remote, signal, timeoutMs = 120_000) {
		await remote.sudo(
			[
				`if [ -f ${pidFile} ]; then pid=$(cat ${pidFile}); kill "$pid" 2>/dev/null; i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.2; i=$((i+1)); done; kill -9 "$pid" 2>/dev/null; rm -f ${pidFile}; fi`,
				// A daemon started before we wrote a pid file (the distribution's) must go too.
				'pkill -x dockerd 2>/dev/null; i=0; while pgrep -x dockerd >/dev/null 2>&1 && [ $i -lt 150 ]; do sleep 0.2; i=$((i+1)); done',
				`if command -v setsid >/dev/null 2>&1; then setsid sh ${startScript} >>${logFile} 2>&1 </dev/null & else nohup sh ${startScript} >>${logFile} 2>&1 </dev/null & fi`,
				'true',
			].join('\n'),
			{signal, timeoutMs, label: 'restart docker'},
		);
	},
	async failed(remote, signal) {
		const result = await remote.exec(`pgrep -x dockerd >/dev/null 2>&1 && echo running || echo gone`, {signal});
		return result.stdout.trim() === 'gone';
	},
	async recentLogs(remote, signal) {
		const result = await remote.exec(`sudo -n tail -n 15 ${logFile} 2>/dev/null || tail -n 15 ${logFile} 2>/dev/null; true`, {signal});
		return result.stdout.trim();
	},
};

export default direct;
