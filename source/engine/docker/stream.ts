/**
 * Long GETs on a daemon (events, logs, stats): the response is handed over as it arrives instead
 * of being collected, and nothing times it out once the daemon has answered, since a quiet event
 * stream is a healthy one. TCP keep-alive notices a host that vanished without closing.
 */
import type {IncomingMessage} from 'node:http';
import https from 'node:https';
import {abortError} from '../errors.js';
import {goTlsReason, timeoutReason, type TimeoutStage} from '../certs/tls-errors.js';
import {DockerApiError, DockerConnectionError, daemonMessage, type DockerClient} from './client.js';

const keepAliveMs = 10_000;

/** Opens `path`; the daemon's answer is the stream, closed by `signal` (or by destroying it). */
export async function openStream(client: DockerClient, path: string, signal?: AbortSignal): Promise<IncomingMessage> {
	signal?.throwIfAborted();
	const {options, target, timeoutMs} = client.streamTarget(path);
	return new Promise((resolve, reject) => {
		let stage: TimeoutStage = 'dial';
		let settled = false;
		const request = https.request({...options, method: 'GET', headers: {accept: '*/*'}});
		const onAbort = (): void => {
			request.destroy();
			fail(abortError(signal!));
		};

		const timer = setTimeout(() => {
			fail(new DockerConnectionError(client.url, timeoutReason(stage, target)));
		}, timeoutMs);
		function fail(error: Error): void {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			request.destroy();
			reject(error);
		}

		signal?.addEventListener('abort', onAbort, {once: true});
		request.once('socket', socket => {
			stage = 'headers';
			socket.setKeepAlive(true, keepAliveMs);
		});
		request.on('error', error => {
			fail(new DockerConnectionError(client.url, goTlsReason(error, target, stage !== 'dial'), error));
		});
		request.once('response', response => {
			clearTimeout(timer);
			const status = response.statusCode ?? 0;
			if (status >= 200 && status < 300) {
				settled = true;
				response.once('close', () => signal?.removeEventListener('abort', onAbort));
				resolve(response);
				return;
			}

			const chunks: Buffer[] = [];
			response.on('data', (chunk: Buffer) => chunks.push(chunk));
			response.once('end', () => {
				fail(new DockerApiError(client.url, status, daemonMessage(Buffer.concat(chunks).toString('utf8'), response.statusMessage)));
			});
		});
		request.end();
	});
}

/**
 * Calls `onValue` with each JSON document of a newline-delimited stream (events, stats) and
 * resolves when the stream ends; a line that is not JSON is skipped.
 */
export async function readJsonLines(stream: IncomingMessage, onValue: (value: unknown) => void): Promise<void> {
	let rest = '';
	stream.setEncoding('utf8');
	return new Promise((resolve, reject) => {
		stream.on('data', (chunk: string) => {
			const lines = (rest + chunk).split('\n');
			rest = lines.pop() ?? '';
			for (const line of lines) {
				if (line.trim() === '') continue;
				let value: unknown;
				try {
					value = JSON.parse(line) as unknown;
				} catch {
					continue;
				}

				onValue(value);
			}
		});
		stream.once('end', resolve);
		stream.once('close', resolve);
		stream.once('error', reject);
	});
}
