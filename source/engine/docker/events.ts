// The daemon's answers that do not end (`GET /events`), over the same pinned mutual-TLS
// connections as the client's calls.
import type {IncomingMessage} from 'node:http';
import https from 'node:https';
import {isIP} from 'node:net';
import {MachinistError} from '../errors.js';
import {agentFor, DockerApiError, DockerConnectionError, parseDockerUrl, type DockerClientOptions} from './client.js';

/**
 * The response to a GET, once its headers came within the timeout, to be read as it arrives
 * until `signal` aborts or the daemon closes it.
 */
export async function openStream(options: DockerClientOptions, path: string, signal: AbortSignal): Promise<IncomingMessage> {
	signal.throwIfAborted();
	const {host, port} = parseDockerUrl(options.url);
	const timeoutMs = options.timeoutMs ?? 20_000;
	return new Promise((resolve, reject) => {
		const request = https.request({
			agent: agentFor(options.url, options),
			host,
			port,
			path,
			servername: isIP(host) === 0 ? host : undefined,
			headers: {accept: 'application/json'},
			signal,
		});
		const timer = setTimeout(() => {
			request.destroy(new DockerConnectionError(options.url, `no answer to ${path} within ${Math.round(timeoutMs / 1000)} s`));
		}, timeoutMs);
		request.once('error', error => {
			clearTimeout(timer);
			reject(error instanceof MachinistError ? error : new DockerConnectionError(options.url, error.message, error));
		});
		request.once('response', response => {
			clearTimeout(timer);
			if ((response.statusCode ?? 0) >= 300) {
				response.resume();
				reject(new DockerApiError(options.url, response.statusCode ?? 0, response.statusMessage ?? 'no message'));
				return;
			}

			resolve(response);
		});
		request.end();
	});
}
