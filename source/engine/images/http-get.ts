import http from 'node:http';
import https from 'node:https';
import type {Socket} from 'node:net';
import tls from 'node:tls';
import {MachinistError} from '../errors.js';

/**
 * A streaming HTTP(S) GET that honours the proxy variables (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, in
 * either case), which Node's fetch ignores. HTTPS goes through the proxy with CONNECT, plain
 * HTTP as an absolute-URL request; redirects are followed.
 */
export type HttpResponse = {
	/** The URL that answered, after redirects. */
	url: string;
	/** From Content-Length; undefined when the server did not say. */
	size: number | undefined;
	body: http.IncomingMessage;
};

const maxRedirects = 5;

function proxyVariable(env: NodeJS.ProcessEnv, name: string): string | undefined {
	const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
	return value || undefined;
}

/** Whether NO_PROXY exempts a host: `*`, exact names, `.suffix` or `suffix` domain matches. */
export function bypassesProxy(host: string, env: NodeJS.ProcessEnv): boolean {
	const list = proxyVariable(env, 'no_proxy');
	if (!list) return false;
	const name = host.replaceAll(/^\[|\]$/g, '').toLowerCase();
	return list
		.split(',')
		.map(item => item.trim().toLowerCase())
		.filter(Boolean)
		.some(entry => {
			if (entry === '*') return true;
			const bare = entry.replace(/^\*?\./, '').replace(/:\d+$/, '');
			return name === bare || name.endsWith(`.${bare}`);
		});
}

/** The proxy for a URL, or undefined to go direct. */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv): URL | undefined {
	if (bypassesProxy(url.hostname, env)) return undefined;
	const text = url.protocol === 'https:' ? (proxyVariable(env, 'https_proxy') ?? proxyVariable(env, 'http_proxy')) : proxyVariable(env, 'http_proxy');
	if (!text) return undefined;
	try {
		return new URL(text.includes('://') ? text : `http://${text}`);
	} catch {
		throw new MachinistError(`the proxy "${text}" in the environment is not a URL: fix HTTPS_PROXY/HTTP_PROXY`);
	}
}

function proxyAuthorization(proxy: URL): Record<string, string> {
	if (!proxy.username) return {};
	const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
	return {'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}`};
}

async function tunnel(proxy: URL, target: URL, signal?: AbortSignal): Promise<Socket> {
	return new Promise((resolve, reject) => {
		const authority = `${target.hostname}:${target.port || 443}`;
		const request = http.request({
			host: proxy.hostname,
			port: proxy.port || 80,
			method: 'CONNECT',
			path: authority,
			headers: {host: authority, ...proxyAuthorization(proxy)},
			signal,
		});
		request.once('connect', (response, socket) => {
			if (response.statusCode === 200) {
				resolve(socket);
				return;
			}

			socket.destroy();
			reject(new MachinistError(`the proxy ${proxy.host} refused a tunnel to ${authority} (HTTP ${response.statusCode}): check HTTPS_PROXY`));
		});
		request.once('error', reject);
		request.end();
	});
}

async function getOnce(url: URL, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<http.IncomingMessage> {
	const proxy = proxyFor(url, env);
	let options: https.RequestOptions;
	if (proxy && url.protocol === 'https:') {
		const socket = await tunnel(proxy, url, signal);
		options = {
			host: url.hostname,
			port: url.port || 443,
			path: `${url.pathname}${url.search}`,
			createConnection: () => tls.connect({socket, servername: url.hostname}),
		};
	} else if (proxy) {
		options = {host: proxy.hostname, port: proxy.port || 80, path: url.href, headers: {host: url.host, ...proxyAuthorization(proxy)}};
	} else {
		options = {host: url.hostname.replaceAll(/^\[|\]$/g, ''), port: url.port || undefined, path: `${url.pathname}${url.search}`};
	}

	const module = url.protocol === 'https:' ? https : http;
	return new Promise((resolve, reject) => {
		const request = module.get({...options, signal, headers: {'user-agent': 'machinist', ...options.headers}}, resolve);
		request.once('error', reject);
	});
}

/** GETs a URL (following redirects); throws a one-line error for anything but 200. */
export async function httpGet(text: string, options: {env: NodeJS.ProcessEnv; signal?: AbortSignal}): Promise<HttpResponse> {
	const {env} = options;
	let url = new URL(text);
	for (let hop = 0; hop <= maxRedirects; hop++) {
		if (url.protocol !== 'http:' && url.protocol !== 'https:')
			throw new MachinistError(`cannot download ${url.href}: only http and https URLs are supported`);
		let response: http.IncomingMessage;
		try {
			response = await getOnce(url, env, options.signal);
		} catch (error) {
			options.signal?.throwIfAborted();
			if (error instanceof MachinistError) throw error;
			const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
			throw new MachinistError(`cannot download ${url.href} (${reason}): check the network, or HTTPS_PROXY if you are behind a proxy`);
		}

		const status = response.statusCode ?? 0;
		if (status >= 300 && status < 400 && response.headers.location) {
			response.resume();
			url = new URL(response.headers.location, url);
			continue;
		}

		if (status !== 200) {
			response.resume();
			throw new MachinistError(`cannot download ${url.href}: the server answered HTTP ${status}`);
		}

		const length = Number(response.headers['content-length']);
		return {url: url.href, size: Number.isFinite(length) && length > 0 ? length : undefined, body: response};
	}

	throw new MachinistError(`cannot download ${text}: more than ${maxRedirects} redirects`);
}

/** A small text file (a checksum list), read whole. */
export async function httpGetText(url: string, options: {env: NodeJS.ProcessEnv; signal?: AbortSignal}): Promise<string> {
	const {body} = await httpGet(url, options);
	const chunks: Buffer[] = [];
	for await (const chunk of body) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString('utf8');
}
