/**
 * The DigitalOcean API v2 calls the digitalocean driver makes, typed, on Node's fetch. Every
 * request carries the bearer token and a timeout; rate limits (429) are waited out as the API
 * asks, and server errors are retried where repeating the request cannot make a second thing.
 * The token never appears in a message.
 */
import {MachinistError, errorMessage} from '../../errors.js';
import {pause} from '../../polling.js';

export const defaultApiUrl = 'https://api.digitalocean.com';

export type Network = {ip_address: string; type: string};

export type Droplet = {
	id: number;
	name: string;
	/** `new`, `active`, `off` or `archive`. */
	status: string;
	networks: {v4: Network[]; v6: Network[]};
};

export type Region = {slug: string; name: string; available: boolean; sizes: string[]};
export type SshKey = {id: number; fingerprint: string; public_key: string; name: string};
/** `status` is `in-progress`, `completed` or `errored`. */
export type Action = {id: number; status: string; type: string};
/** `status` is `active`, `warning` or `locked`. */
export type Account = {status: string; status_message: string};
export type Image = {id: number; slug: string | null; name: string; regions: string[]};

export type DropletRequest = {
	name: string;
	region: string;
	size: string;
	/** A slug, or the numeric ID of a snapshot or custom image. */
	image: string | number;
	ssh_keys: number[];
	backups: boolean;
	ipv6: boolean;
	private_networking: boolean;
	monitoring: boolean;
	user_data?: string;
	tags: string[];
};

/** What the API answered with an error status, as its `{id, message}` body says. */
export class DigitalOceanApiError extends MachinistError {
	readonly status: number;
	/** The API's error id, such as `unprocessable_entity` or `not_found`. */
	readonly id: string;
	readonly apiMessage: string;

	constructor(status: number, id: string, apiMessage: string, message: string) {
		super(message);
		this.name = 'DigitalOceanApiError';
		this.status = status;
		this.id = id;
		this.apiMessage = apiMessage;
	}
}

export function isNotFound(error: unknown): boolean {
	return error instanceof DigitalOceanApiError && error.status === 404;
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export type ApiOptions = {
	token: string;
	/** Scheme, host and port, e.g. `https://api.digitalocean.com`. */
	baseUrl: string;
	fetch?: typeof fetch;
	sleep?: Sleep;
	/** Per request; the caller's signal may end it sooner. */
	requestTimeoutMs?: number;
};

const defaultRequestTimeoutMs = 30_000;
/** Attempts for GET and DELETE when the server fails or cannot be reached. */
const maxAttempts = 4;
const rateLimitRetries = 5;
/** A longer Retry-After means the hourly quota is spent: better to say so than to hang. */
const maxRetryAfterMs = 60_000;
/** Pages of 200 (the API's maximum): 100 of them is far beyond any account. */
const maxPages = 100;

type Method = 'GET' | 'POST' | 'DELETE';

/** Retry-After is seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
	if (header === null || header.trim() === '') return undefined;
	if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
	const date = Date.parse(header);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function backoffMs(attempt: number): number {
	return Math.min(500 * 2 ** (attempt - 1), 8000);
}

export class DigitalOceanApi {
	private readonly token: string;
	private readonly baseUrl: string;
	private readonly fetch: typeof fetch;
	private readonly sleep: Sleep;
	private readonly requestTimeoutMs: number;

	constructor(options: ApiOptions) {
		this.token = options.token;
		this.baseUrl = options.baseUrl.replace(/\/+$/, '');
		this.fetch = options.fetch ?? globalThis.fetch;
		this.sleep = options.sleep ?? pause;
		this.requestTimeoutMs = options.requestTimeoutMs ?? defaultRequestTimeoutMs;
	}

	async account(signal?: AbortSignal): Promise<Account> {
		return (await this.request<{account: Account}>('GET', '/v2/account', {signal})).account;
	}

	async regions(signal?: AbortSignal): Promise<Region[]> {
		return this.listAll<Region>('/v2/regions', 'regions', signal);
	}

	async image(idOrSlug: string | number, signal?: AbortSignal): Promise<Image> {
		return (await this.request<{image: Image}>('GET', `/v2/images/${encodeURIComponent(idOrSlug)}`, {signal})).image;
	}

	/** By numeric ID or by MD5 fingerprint (`aa:bb:…`), as the API allows. */
	async key(idOrFingerprint: string | number, signal?: AbortSignal): Promise<SshKey> {
		return (await this.request<{ssh_key: SshKey}>('GET', `/v2/account/keys/${encodeURIComponent(idOrFingerprint)}`, {signal})).ssh_key;
	}

	async createKey(name: string, publicKey: string, signal?: AbortSignal): Promise<SshKey> {
		return (await this.request<{ssh_key: SshKey}>('POST', '/v2/account/keys', {body: {name, public_key: publicKey}, signal})).ssh_key;
	}

	async deleteKey(id: number, signal?: AbortSignal): Promise<void> {
		await this.request('DELETE', `/v2/account/keys/${id}`, {signal});
	}

	async createDroplet(request: DropletRequest, signal?: AbortSignal): Promise<Droplet> {
		return (await this.request<{droplet: Droplet}>('POST', '/v2/droplets', {body: request, signal})).droplet;
	}

	async droplet(id: number, signal?: AbortSignal): Promise<Droplet> {
		return (await this.request<{droplet: Droplet}>('GET', `/v2/droplets/${id}`, {signal})).droplet;
	}

	async deleteDroplet(id: number, signal?: AbortSignal): Promise<void> {
		await this.request('DELETE', `/v2/droplets/${id}`, {signal});
	}

	async dropletAction(id: number, type: 'power_on' | 'shutdown' | 'reboot' | 'power_off', signal?: AbortSignal): Promise<Action> {
		return (await this.request<{action: Action}>('POST', `/v2/droplets/${id}/actions`, {body: {type}, signal})).action;
	}

	async action(id: number, signal?: AbortSignal): Promise<Action> {
		return (await this.request<{action: Action}>('GET', `/v2/actions/${id}`, {signal})).action;
	}

	/** Every page of a list, following `links.pages.next`. */
	async listAll<T>(path: string, key: string, signal?: AbortSignal): Promise<T[]> {
		const items: T[] = [];
		let next: string | undefined = `${path}?per_page=200`;
		for (let page = 1; next !== undefined; page++) {
			if (page > maxPages) throw new MachinistError(`DigitalOcean API: ${path} has more than ${maxPages} pages; giving up`);
			const body: Record<string, unknown> & {links?: {pages?: {next?: string}}} = await this.request('GET', next, {signal});
			const pageItems = body[key];
			if (!Array.isArray(pageItems)) throw new MachinistError(`DigitalOcean API: ${path} answered without a "${key}" list`);
			items.push(...(pageItems as T[]));
			next = body.links?.pages?.next ? this.apiPath(body.links.pages.next) : undefined;
		}

		return items;
	}

	/**
	 * The path and query of a link the API returned. Links name the API's own host; requests
	 * stay on the configured one, so the token never goes anywhere else.
	 */
	private apiPath(link: string): string {
		const url = new URL(link, this.baseUrl);
		const start = url.pathname.indexOf('/v2/');
		return `${start === -1 ? url.pathname : url.pathname.slice(start)}${url.search}`;
	}

	private async request<T>(method: Method, path: string, options: {body?: unknown; signal?: AbortSignal} = {}): Promise<T> {
		const {signal} = options;
		// A POST that failed on the server may still have made a droplet; repeating it could make
		// a second one, billed too. Only requests that are safe to repeat are.
		const repeatable = method !== 'POST';
		let failures = 0;
		let rateLimited = 0;
		for (;;) {
			let response: Response;
			try {
				const timeout = AbortSignal.timeout(this.requestTimeoutMs);
				response = await this.fetch(`${this.baseUrl}${path}`, {
					method,
					headers: {
						authorization: `Bearer ${this.token}`,
						accept: 'application/json',
						...(options.body === undefined ? {} : {'content-type': 'application/json'}),
					},
					...(options.body === undefined ? {} : {body: JSON.stringify(options.body)}),
					signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
				});
			} catch (error) {
				signal?.throwIfAborted();
				const why = unreachableReason(error, this.requestTimeoutMs);
				if (repeatable && ++failures < maxAttempts) {
					await this.sleep(backoffMs(failures), signal);
					continue;
				}

				throw new MachinistError(`cannot reach the DigitalOcean API at ${this.baseUrl} (${why}): check your network and --digitalocean-api-url`);
			}

			if (response.status === 429) {
				const waitMs = retryAfterMs(response.headers.get('retry-after')) ?? backoffMs(rateLimited + 1);
				await response.body?.cancel();
				rateLimited++;
				if (rateLimited > rateLimitRetries || waitMs > maxRetryAfterMs) {
					throw new MachinistError(
						`DigitalOcean's API rate limit for this token is used up (429 after ${rateLimited} tries, retry after ${Math.ceil(waitMs / 1000)} s): wait, then try again`,
					);
				}

				await this.sleep(waitMs, signal);
				continue;
			}

			if (response.status >= 500 && repeatable && ++failures < maxAttempts) {
				await response.body?.cancel();
				await this.sleep(backoffMs(failures), signal);
				continue;
			}

			const text = await response.text();
			if (response.ok) return parseBody<T>(text, method, path);
			throw apiError(method, path, response, text);
		}
	}
}

function parseBody<T>(text: string, method: Method, path: string): T {
	if (text === '') return undefined as T;
	try {
		return JSON.parse(text) as T;
	} catch {
		throw new MachinistError(
			`DigitalOcean API ${method} ${path.replace(/\?.*$/, '')} answered with something other than JSON: check --digitalocean-api-url`,
		);
	}
}

function unreachableReason(error: unknown, timeoutMs: number): string {
	if (error instanceof DOMException && error.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
	const {cause} = error as {cause?: {code?: string; message?: string}};
	return cause?.code ?? cause?.message ?? errorMessage(error);
}

function apiError(method: Method, path: string, response: Response, text: string): DigitalOceanApiError {
	let id = '';
	let message = '';
	try {
		const body = JSON.parse(text) as {id?: unknown; message?: unknown};
		id = typeof body.id === 'string' ? body.id : '';
		message = typeof body.message === 'string' ? body.message : '';
	} catch {
		// A proxy's HTML error page, say: the status line says enough.
	}

	message ||= response.statusText || 'no message';
	const oneLine = message.replaceAll(/\s+/g, ' ').trim();
	if (response.status === 401) {
		return new DigitalOceanApiError(
			401,
			id,
			oneLine,
			`DigitalOcean rejected the access token (401 ${oneLine}): check --digitalocean-access-token or $DIGITALOCEAN_ACCESS_TOKEN`,
		);
	}

	if (response.status === 403) {
		return new DigitalOceanApiError(
			403,
			id,
			oneLine,
			`the DigitalOcean access token may not do this (403 ${oneLine}): use a token with read and write scope`,
		);
	}

	const request = `DigitalOcean API ${method} ${path.replace(/\?.*$/, '')}: ${response.status} ${oneLine}`;
	if (response.status >= 500) {
		return new DigitalOceanApiError(
			response.status,
			id,
			oneLine,
			`${request} (a problem on DigitalOcean's side: try again later; see https://status.digitalocean.com)`,
		);
	}

	return new DigitalOceanApiError(response.status, id, oneLine, request);
}
