/**
 * A stand-in for the DigitalOcean API v2, only because the real cloud cannot be reached from
 * the tests. It follows DigitalOcean's public API reference for the calls machinist makes (paths,
 * bearer auth, request validation, response and error shapes, pagination, asynchronous droplet
 * and action state), and every droplet it creates is a real test host (see helpers/hosts.ts)
 * with the droplet's SSH keys authorized for root, so provisioning, `env` and `docker run` run
 * for real against it; power actions shut it down, power it off and boot it for real.
 *
 * Knobs let tests break what the real API can break: the next droplet create fails, a droplet
 * never becomes active, its SSH never comes up, requests are rate limited.
 */
import {createHash, randomUUID} from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import path from 'node:path';
import {setTimeout as delay} from 'node:timers/promises';
import {startTestHost, type TestHost, type TestHostKind} from '../helpers/hosts.js';

type Json = Record<string, unknown>;

export type SimRegion = {slug: string; name: string; available: boolean; sizes: string[]};
export type SimKey = {id: number; fingerprint: string; public_key: string; name: string};
export type SimAction = {
	id: number;
	status: 'in-progress' | 'completed' | 'errored';
	type: string;
	started_at: string;
	completed_at: string | null;
	resource_id: number;
	resource_type: 'droplet';
	region_slug: string;
};

export type SimDroplet = {
	id: number;
	name: string;
	status: 'new' | 'active' | 'off' | 'archive';
	region: string;
	size: string;
	image: SimImage;
	sshKeys: number[];
	tags: string[];
	backups: boolean;
	ipv6: boolean;
	privateNetworking: boolean;
	monitoring: boolean;
	userData: string;
	createdAt: string;
	ip: string;
	host?: TestHost;
	/** The action running on it; the API refuses a second one meanwhile. */
	pending?: SimAction;
};

type SimImage = {id: number; slug: string | null; name: string; distribution: string; regions: string[]; public: boolean};

/** What can go wrong with the next droplet, set before the create and used up by it. */
export type DropletFaults = {
	/** Stays `new` forever (no host is started: it would never be reachable anyway). */
	neverActive?: boolean;
	/** `down`: sshd is stopped before the droplet turns active; `unauthorized`: its keys are not installed. */
	ssh?: 'down' | 'unauthorized';
};

export type SimulatorOptions = {
	token?: string;
	hostKind?: TestHostKind;
	/** From create to `active`, at least (the host's boot may take longer). Default 1500 ms. */
	activeDelayMs?: number;
	/** From an action's start to `completed`, at least (the host's shutdown or boot may take longer). Default 500 ms. */
	actionDelayMs?: number;
	/** The API's cap on per_page is 200; lower it to make short lists span pages. */
	maxPerPage?: number;
};

export type RequestRecord = {method: string; path: string; status: number};

export type DigitalOceanSimulator = {
	/** The base URL to give as --digitalocean-api-url. */
	url: string;
	token: string;
	regions: SimRegion[];
	/** Live droplets (destroyed ones are gone). */
	droplets(): SimDroplet[];
	keys(): SimKey[];
	requests: RequestRecord[];
	/** Failures of the simulator itself (a host that did not start), which tests should assert empty. */
	problems: string[];
	nextDroplet: DropletFaults;
	/**
	 * How much later than usual a droplet's dockerd starts at its next boot (a power-on, reboot or
	 * power cycle); Infinity: it is not started at boot. Default 0.
	 */
	dockerBootDelayMs: number;
	/** The next POST /v2/droplets answers with this status and message, making nothing. */
	failNextDropletCreate(status: number, message: string): void;
	/** The next `count` requests answer 429 with Retry-After. */
	rateLimit(count: number, retryAfterSeconds: number): void;
	/** Destroys every droplet's host and stops the server. */
	close(): Promise<void>;
};

const sizes = [
	's-1vcpu-512mb-10gb',
	's-1vcpu-1gb',
	's-1vcpu-2gb',
	's-2vcpu-2gb',
	's-2vcpu-4gb',
	's-4vcpu-8gb',
	's-8vcpu-16gb',
	'c-2',
	'g-2vcpu-8gb',
	'm-2vcpu-16gb',
];
const regionNames: Record<string, string> = {
	ams3: 'Amsterdam 3',
	atl1: 'Atlanta 1',
	blr1: 'Bangalore 1',
	fra1: 'Frankfurt 1',
	lon1: 'London 1',
	nyc1: 'New York 1',
	nyc2: 'New York 2',
	nyc3: 'New York 3',
	sfo2: 'San Francisco 2',
	sfo3: 'San Francisco 3',
	sgp1: 'Singapore 1',
	syd1: 'Sydney 1',
	tor1: 'Toronto 1',
};

function defaultRegions(): SimRegion[] {
	return Object.entries(regionNames).map(([slug, name]) => ({
		slug,
		name,
		// Like the real nyc2: listed, but closed to new droplets.
		available: slug !== 'nyc2',
		// Bigger sizes are missing in a few regions, as in the real list.
		sizes: ['blr1', 'syd1'].includes(slug) ? sizes.filter(size => size.startsWith('s-')) : [...sizes],
	}));
}

function defaultImages(regions: SimRegion[]): SimImage[] {
	const everywhere = regions.filter(region => region.available).map(region => region.slug);
	return [
		{id: 160_000_001, slug: 'ubuntu-24-04-x64', name: '24.04 (LTS) x64', distribution: 'Ubuntu', regions: everywhere, public: true},
		{id: 160_000_002, slug: 'ubuntu-22-04-x64', name: '22.04 (LTS) x64', distribution: 'Ubuntu', regions: everywhere, public: true},
		{id: 160_000_003, slug: 'debian-12-x64', name: '12 x64', distribution: 'Debian', regions: everywhere, public: true},
		// A user's snapshot: private, no slug, in one region.
		{id: 170_000_001, slug: null, name: 'docker-base-snapshot', distribution: 'Ubuntu', regions: ['fra1'], public: false},
	];
}

/** DigitalOcean's fingerprint: MD5 of the key blob, hex pairs joined by colons. */
function fingerprintOf(publicKey: string): string | undefined {
	const match = /^(ssh-rsa|ssh-ed25519|ssh-dss|ecdsa-sha2-nistp\d+) ([A-Za-z\d+/]+=*)( .*)?$/.exec(publicKey.trim());
	if (!match) return undefined;
	const digest = createHash('md5').update(Buffer.from(match[2]!, 'base64')).digest('hex');
	return digest.match(/../g)!.join(':');
}

class HttpError extends Error {
	constructor(
		readonly status: number,
		readonly id: string,
		message: string,
	) {
		super(message);
	}
}

const notFound = (): HttpError => new HttpError(404, 'not_found', 'The resource you were accessing could not be found.');
const invalid = (message: string): HttpError => new HttpError(422, 'unprocessable_entity', message);

export async function startDigitalOceanSimulator(options: SimulatorOptions = {}): Promise<DigitalOceanSimulator> {
	const token = options.token ?? `dop_v1_${randomUUID().replaceAll('-', '')}`;
	const activeDelayMs = options.activeDelayMs ?? 1500;
	const actionDelayMs = options.actionDelayMs ?? 500;
	const maxPerPage = options.maxPerPage ?? 200;
	const regions = defaultRegions();
	const images = defaultImages(regions);
	const droplets = new Map<number, SimDroplet>();
	const keys = new Map<number, SimKey>();
	const actions = new Map<number, SimAction>();
	const requests: RequestRecord[] = [];
	const problems: string[] = [];
	/** Work running in the background (boots, actions, teardowns), awaited by close(). */
	const background = new Set<Promise<unknown>>();
	let nextId = 3_164_494;
	let createFailure: {status: number; message: string} | undefined;
	let rateLimited = {count: 0, retryAfterSeconds: 0};
	let closed = false;
	let baseUrl = '';

	const track = (work: Promise<unknown>): void => {
		const tracked = work
			.catch((error: unknown) => {
				problems.push(error instanceof Error ? error.message : String(error));
			})
			.finally(() => background.delete(tracked));
		background.add(tracked);
	};

	const regionJson = (region: SimRegion): Json => ({...region, features: ['backups', 'ipv6', 'metadata', 'install_agent', 'storage']});
	const imageJson = (image: SimImage): Json => ({
		...image,
		type: image.public ? 'base' : 'snapshot',
		min_disk_size: 10,
		size_gigabytes: 2.3,
		status: 'available',
		created_at: '2024-04-25T12:00:00Z',
	});

	const dropletJson = (droplet: SimDroplet): Json => ({
		id: droplet.id,
		name: droplet.name,
		memory: 1024,
		vcpus: 1,
		disk: 25,
		locked: droplet.pending !== undefined,
		status: droplet.status,
		created_at: droplet.createdAt,
		features: [
			...(droplet.backups ? ['backups'] : []),
			...(droplet.ipv6 ? ['ipv6'] : []),
			...(droplet.privateNetworking ? ['private_networking'] : []),
			...(droplet.monitoring ? ['monitoring'] : []),
		],
		backup_ids: [],
		next_backup_window: null,
		snapshot_ids: [],
		image: imageJson(droplet.image),
		volume_ids: [],
		size: {
			slug: droplet.size,
			memory: 1024,
			vcpus: 1,
			disk: 25,
			transfer: 1,
			price_monthly: 6,
			price_hourly: 0.008_93,
			regions: [droplet.region],
			available: true,
		},
		size_slug: droplet.size,
		networks: {
			v4: droplet.ip
				? [
						{ip_address: droplet.ip, netmask: '255.255.255.0', gateway: droplet.ip.replace(/\.\d+$/, '.1'), type: 'public'},
						...(droplet.privateNetworking
							? [{ip_address: `10.108.0.${droplet.id % 250}`, netmask: '255.255.240.0', gateway: '10.108.0.1', type: 'private'}]
							: []),
					]
				: [],
			v6:
				droplet.ip && droplet.ipv6
					? [{ip_address: `2604:a880:800:14::${droplet.id.toString(16)}`, netmask: 64, gateway: '2604:a880:800:14::1', type: 'public'}]
					: [],
		},
		region: regionJson(regions.find(region => region.slug === droplet.region)!),
		tags: droplet.tags,
		vpc_uuid: '5a4981aa-9653-4bd1-bef5-d6bff52042e4',
	});

	/** A page of a list, with DigitalOcean's `links.pages` and `meta.total`. */
	const paginate = (url: URL, key: string, items: Json[]): Json => {
		const perPage = Math.min(Math.max(Number(url.searchParams.get('per_page') ?? 20) || 20, 1), maxPerPage);
		const last = Math.max(1, Math.ceil(items.length / perPage));
		const page = Math.min(Math.max(Number(url.searchParams.get('page') ?? 1) || 1, 1), last);
		const link = (number: number): string => {
			const target = new URL(url.pathname, baseUrl);
			for (const [name, value] of url.searchParams) if (name !== 'page' && name !== 'per_page') target.searchParams.set(name, value);
			target.searchParams.set('page', String(number));
			target.searchParams.set('per_page', String(perPage));
			return target.toString();
		};

		const pages: Json = {};
		if (page > 1) Object.assign(pages, {first: link(1), prev: link(page - 1)});
		if (page < last) Object.assign(pages, {next: link(page + 1), last: link(last)});
		return {[key]: items.slice((page - 1) * perPage, page * perPage), links: {pages}, meta: {total: items.length}};
	};

	const findKey = (reference: string): SimKey | undefined => [...keys.values()].find(key => String(key.id) === reference || key.fingerprint === reference);

	const boot = async (droplet: SimDroplet, faults: DropletFaults): Promise<void> => {
		const started = Date.now();
		const host = await startTestHost(options.hostKind ?? 'systemd');
		if (!droplets.has(droplet.id) || closed) {
			await host.stop();
			return;
		}

		droplet.host = host;
		try {
			// cloud-init's work on first boot: the account's keys for root, then the user data.
			if (faults.ssh !== 'unauthorized') {
				for (const id of droplet.sshKeys) await host.authorizeKey('root', keys.get(id)?.public_key ?? '');
			}

			if (droplet.userData.startsWith('#!')) {
				const result = await host.exec('cat > /run/user-data && chmod +x /run/user-data && /run/user-data >/var/log/user-data.log 2>&1', {
					input: droplet.userData,
				});
				if (result.code !== 0) problems.push(`user data of droplet ${droplet.id} failed (${result.code})`);
			}

			if (faults.ssh === 'down') await host.stopSshd();
			await delay(Math.max(0, activeDelayMs - (Date.now() - started)));
		} catch (error) {
			// A droplet destroyed while it booted takes its host with it; that is no problem.
			if (droplets.has(droplet.id)) throw error;
		}

		if (!droplets.has(droplet.id)) return;
		droplet.ip = host.ip;
		droplet.status = 'active';
	};

	/**
	 * What an action does to the droplet's host, for real: `shutdown` asks the OS to power off,
	 * `power_off` pulls the plug, `reboot` reboots the OS, `power_cycle` pulls the plug and boots,
	 * `power_on` boots. The action completes when the host has done it (and not before
	 * actionDelayMs); the droplet's status changes with it, as DigitalOcean reports it.
	 */
	const slowDockerFile = 'etc/machinist-simulator-docker-delay';

	/**
	 * Before a boot, what dockerBootDelayMs asks of the host's dockerd, written on its disk (which
	 * stays while the host is off): a delay its unit sleeps once, at the next start, as a slow boot
	 * would; or, for Infinity, a dockerd that is not started at boot (provisioning enables it again).
	 */
	const prepareBoot = (host: TestHost | undefined): void => {
		if (host?.kind !== 'systemd') return;
		const delayMs = simulator.dockerBootDelayMs;
		const dropIn = path.join(host.rootfs, 'etc/systemd/system/docker.service.d/machinist-simulator-delay.conf');
		if (delayMs === Number.POSITIVE_INFINITY) {
			for (const wanted of ['multi-user.target.wants/docker.service', 'sockets.target.wants/docker.socket'])
				fs.rmSync(path.join(host.rootfs, 'etc/systemd/system', wanted), {force: true});
			return;
		}

		if (delayMs <= 0) return;
		fs.mkdirSync(path.dirname(dropIn), {recursive: true});
		// The file is consumed by the first start, so a later restart (provisioning's) is not delayed.
		fs.writeFileSync(
			dropIn,
			`[Service]\nExecStartPre=/bin/sh -c 'if [ -e /${slowDockerFile} ]; then rm -f /${slowDockerFile}; sleep ${delayMs / 1000}; fi'\n`,
		);
		fs.writeFileSync(path.join(host.rootfs, slowDockerFile), '');
	};

	const runAction = async (droplet: SimDroplet, action: SimAction): Promise<void> => {
		const started = Date.now();
		try {
			const {host} = droplet;
			const wasOn = droplet.status === 'active';
			switch (action.type) {
				case 'power_off': {
					if (wasOn) await host?.powerOff();
					droplet.status = 'off';
					break;
				}

				case 'shutdown': {
					if (wasOn) await host?.shutdown();
					droplet.status = 'off';
					break;
				}

				case 'power_cycle': {
					if (wasOn) await host?.powerOff();
					droplet.status = 'off';
					prepareBoot(host);
					await host?.boot();
					droplet.status = 'active';
					break;
				}

				default: {
					// reboot, and power_on: a droplet that is off boots.
					prepareBoot(host);
					await (wasOn && action.type === 'reboot' ? host?.reboot() : host?.boot());
					droplet.status = 'active';
				}
			}

			await delay(Math.max(0, actionDelayMs - (Date.now() - started)));
			action.status = 'completed';
		} catch (error) {
			action.status = 'errored';
			if (droplets.has(droplet.id)) throw error;
		} finally {
			action.completed_at = new Date().toISOString();
			droplet.pending = undefined;
		}
	};

	const destroy = async (droplet: SimDroplet): Promise<void> => {
		droplets.delete(droplet.id);
		await droplet.host?.stop();
	};

	const createDroplet = (body: Json): SimDroplet => {
		if (createFailure) {
			const {status, message} = createFailure;
			createFailure = undefined;
			throw new HttpError(status, status === 422 ? 'unprocessable_entity' : 'server_error', message);
		}

		const {name} = body;
		if (typeof name !== 'string' || name === '') throw invalid('Name is required.');
		if (!/^[a-zA-Z\d][a-zA-Z\d.-]*$/.test(name)) throw invalid('Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)');
		const region = regions.find(candidate => candidate.slug === body.region);
		if (!region?.available) throw invalid('You specified an invalid region for Droplet creation.');
		if (typeof body.size !== 'string' || !sizes.includes(body.size)) throw invalid('You specified an invalid size for Droplet creation.');
		if (!region.sizes.includes(body.size)) throw invalid('Size is not available in this region.');
		const image = images.find(candidate => candidate.id === body.image || (candidate.slug !== null && candidate.slug === body.image));
		if (!image) throw invalid('You specified an invalid image for Droplet creation.');
		if (!image.regions.includes(region.slug)) throw invalid('Image is not available in the specified region.');
		const keyReferences = Array.isArray(body.ssh_keys) ? body.ssh_keys : [];
		const sshKeys = keyReferences.map(reference => {
			const key = findKey(String(reference));
			if (!key) throw invalid('You specified an invalid SSH key ID or fingerprint.');
			return key.id;
		});
		const tags = Array.isArray(body.tags) ? body.tags.map(String) : [];
		const badTag = tags.find(tag => !/^[\w:-]{1,255}$/.test(tag));
		if (badTag !== undefined) throw invalid(`Tag names may only contain letters, numbers, colons, dashes, and underscores: ${badTag}`);
		const userData = typeof body.user_data === 'string' ? body.user_data : '';
		if (Buffer.byteLength(userData) > 64 * 1024) throw invalid('User data is limited to 64 KiB.');

		const droplet: SimDroplet = {
			id: nextId++,
			name,
			status: 'new',
			region: region.slug,
			size: body.size,
			image,
			sshKeys,
			tags,
			backups: body.backups === true,
			ipv6: body.ipv6 === true,
			privateNetworking: body.private_networking === true,
			monitoring: body.monitoring === true,
			userData,
			createdAt: new Date().toISOString(),
			ip: '',
		};
		droplets.set(droplet.id, droplet);
		const faults = simulator.nextDroplet;
		simulator.nextDroplet = {};
		if (!faults.neverActive) track(boot(droplet, faults));
		return droplet;
	};

	const createKey = (body: Json): SimKey => {
		if (typeof body.name !== 'string' || body.name === '') throw invalid('Name is required.');
		const publicKey = typeof body.public_key === 'string' ? body.public_key.trim() : '';
		const fingerprint = fingerprintOf(publicKey);
		if (!fingerprint)
			throw invalid(
				"Key invalid type, we support 'ssh-rsa', 'ssh-dss', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', or 'ssh-ed25519'",
			);
		if (findKey(fingerprint)) throw invalid('SSH Key is already in use on your account');
		const key = {id: nextId++, fingerprint, public_key: publicKey, name: body.name};
		keys.set(key.id, key);
		return key;
	};

	const startAction = (droplet: SimDroplet, body: Json): SimAction => {
		const {type} = body;
		if (typeof type !== 'string' || !['power_on', 'power_off', 'shutdown', 'reboot', 'power_cycle'].includes(type)) throw invalid('Invalid action type.');
		if (droplet.status === 'new') throw invalid('Droplet is currently being created.');
		if (droplet.pending) throw invalid('Droplet already has a pending event.');
		const action: SimAction = {
			id: nextId++,
			status: 'in-progress',
			type,
			started_at: new Date().toISOString(),
			completed_at: null,
			resource_id: droplet.id,
			resource_type: 'droplet',
			region_slug: droplet.region,
		};
		actions.set(action.id, action);
		droplet.pending = action;
		track(runAction(droplet, action));
		return action;
	};

	/** Routes one authenticated request; returns [status, body] (body undefined for 204). */
	const route = async (method: string, url: URL, body: Json): Promise<[number, Json | undefined]> => {
		const path = url.pathname.replace(/\/+$/, '');
		let match: RegExpExecArray | null;
		if (method === 'GET' && path === '/v2/account') {
			return [
				200,
				{
					account: {
						droplet_limit: 25,
						floating_ip_limit: 3,
						volume_limit: 100,
						email: 'sammy@example.com',
						uuid: 'b6fr89dbf6d9156cace5f3c78dc9851d957381ef',
						email_verified: true,
						status: 'active',
						status_message: '',
					},
				},
			];
		}

		if (method === 'GET' && path === '/v2/regions') return [200, paginate(url, 'regions', regions.map(regionJson))];
		if (method === 'GET' && (match = /^\/v2\/images\/([^/]+)$/.exec(path))) {
			const reference = decodeURIComponent(match[1]!);
			const image = images.find(candidate => String(candidate.id) === reference || candidate.slug === reference);
			if (!image) throw notFound();
			return [200, {image: imageJson(image)}];
		}

		if (path === '/v2/account/keys') {
			if (method === 'GET') return [200, paginate(url, 'ssh_keys', [...keys.values()])];
			if (method === 'POST') return [201, {ssh_key: createKey(body)}];
		}

		if ((match = /^\/v2\/account\/keys\/([^/]+)$/.exec(path))) {
			const key = findKey(decodeURIComponent(match[1]!));
			if (!key) throw notFound();
			if (method === 'GET') return [200, {ssh_key: key}];
			if (method === 'DELETE') {
				keys.delete(key.id);
				return [204, undefined];
			}
		}

		if (path === '/v2/droplets') {
			if (method === 'GET') {
				const tag = url.searchParams.get('tag_name');
				const listed = [...droplets.values()].filter(droplet => tag === null || droplet.tags.includes(tag));
				return [200, paginate(url, 'droplets', listed.map(dropletJson))];
			}

			if (method === 'POST') {
				const droplet = createDroplet(body);
				return [202, {droplet: dropletJson(droplet), links: {actions: [{id: nextId++, rel: 'create', href: `${baseUrl}/v2/actions/${nextId - 1}`}]}}];
			}
		}

		if ((match = /^\/v2\/droplets\/(\d+)(\/actions)?$/.exec(path))) {
			const droplet = droplets.get(Number(match[1]));
			if (!droplet) throw notFound();
			if (match[2] && method === 'POST') return [201, {action: startAction(droplet, body)}];
			if (!match[2] && method === 'GET') return [200, {droplet: dropletJson(droplet)}];
			if (!match[2] && method === 'DELETE') {
				await destroy(droplet);
				return [204, undefined];
			}
		}

		if (method === 'GET' && (match = /^\/v2\/actions\/(\d+)$/.exec(path))) {
			const action = actions.get(Number(match[1]));
			if (!action) throw notFound();
			return [200, {action}];
		}

		throw notFound();
	};

	const server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', async () => {
			const url = new URL(request.url ?? '/', baseUrl);
			const record: RequestRecord = {method: request.method ?? 'GET', path: `${url.pathname}${url.search}`, status: 0};
			requests.push(record);
			const send = (status: number, body: Json | undefined, headers: Record<string, string> = {}): void => {
				record.status = status;
				response.writeHead(status, {
					...(body === undefined ? {} : {'content-type': 'application/json; charset=utf-8'}),
					'ratelimit-limit': '5000',
					...headers,
				});
				response.end(body === undefined ? undefined : JSON.stringify(body));
			};

			if (request.headers.authorization !== `Bearer ${token}`) {
				send(401, {id: 'Unauthorized', message: 'Unable to authenticate you'});
				return;
			}

			if (rateLimited.count > 0) {
				rateLimited.count--;
				send(
					429,
					{id: 'too_many_requests', message: 'API Rate limit exceeded.'},
					{'retry-after': String(rateLimited.retryAfterSeconds), 'ratelimit-remaining': '0'},
				);
				return;
			}

			let body: Json = {};
			const text = Buffer.concat(chunks).toString('utf8');
			if (text !== '') {
				try {
					body = JSON.parse(text) as Json;
				} catch {
					send(400, {id: 'bad_request', message: 'unexpected end of JSON input'});
					return;
				}
			}

			try {
				const [status, answer] = await route(record.method, url, body);
				send(status, answer);
			} catch (error) {
				if (error instanceof HttpError) {
					send(error.status, {id: error.id, message: error.message, request_id: randomUUID()});
				} else {
					problems.push(error instanceof Error ? error.message : String(error));
					send(500, {id: 'server_error', message: 'Server was unable to give you a response.'});
				}
			}
		});
	});

	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

	const simulator: DigitalOceanSimulator = {
		url: baseUrl,
		token,
		regions,
		droplets: () => [...droplets.values()],
		keys: () => [...keys.values()],
		requests,
		problems,
		nextDroplet: {},
		dockerBootDelayMs: 0,
		failNextDropletCreate(status, message) {
			createFailure = {status, message};
		},
		rateLimit(count, retryAfterSeconds) {
			rateLimited = {count, retryAfterSeconds};
		},
		async close() {
			closed = true;
			server.closeAllConnections();
			await new Promise<void>(resolve => {
				server.close(() => {
					resolve();
				});
			});
			while (background.size > 0) await Promise.allSettled(background);
			await Promise.allSettled([...droplets.values()].map(destroy));
		},
	};
	return simulator;
}
