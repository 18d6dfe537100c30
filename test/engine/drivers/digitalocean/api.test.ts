import test from 'ava';
import {DigitalOceanApi, retryAfterMs} from '../../../../source/engine/drivers/digitalocean/api.js';

type Call = {method: string; url: string; authorization: string; body: string | undefined};

/** A fetch that answers from a script and records what was asked; nothing leaves the process. */
function scriptedFetch(answers: Array<Response | Error>): {fetch: typeof fetch; calls: Call[]} {
	const calls: Call[] = [];
	const fetchStub = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
		const headers = new Headers(init?.headers);
		calls.push({
			method: init?.method ?? 'GET',
			url: input instanceof Request ? input.url : String(input),
			authorization: headers.get('authorization') ?? '',
			body: typeof init?.body === 'string' ? init.body : undefined,
		});
		const answer = answers.shift();
		if (!answer) throw new Error('unexpected request');
		if (answer instanceof Error) throw answer;
		return answer;
	};

	return {fetch: fetchStub, calls};
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
	return Response.json(body, {status, headers: {'content-type': 'application/json', ...headers}});
}

function api(answers: Array<Response | Error>) {
	const {fetch, calls} = scriptedFetch(answers);
	const waits: number[] = [];
	const client = new DigitalOceanApi({
		token: 'dop_v1_secret',
		baseUrl: 'http://127.0.0.1:9/',
		fetch,
		async sleep(ms) {
			waits.push(ms);
		},
	});
	return {client, calls, waits};
}

const droplet = {id: 7, name: 'd', status: 'active', networks: {v4: [], v6: []}};

test('lists follow links.pages.next, and every page is asked of the configured host with the token', async t => {
	const {client, calls} = api([
		json(200, {regions: [{slug: 'ams3'}], links: {pages: {next: 'https://api.digitalocean.com/v2/regions?page=2&per_page=1'}}, meta: {total: 2}}),
		json(200, {regions: [{slug: 'nyc3'}], links: {pages: {first: 'https://api.digitalocean.com/v2/regions?page=1&per_page=1'}}, meta: {total: 2}}),
	]);
	t.deepEqual(
		(await client.regions()).map(region => region.slug),
		['ams3', 'nyc3'],
	);
	t.deepEqual(
		calls.map(call => call.url),
		['http://127.0.0.1:9/v2/regions?per_page=200', 'http://127.0.0.1:9/v2/regions?page=2&per_page=1'],
	);
	t.true(calls.every(call => call.authorization === 'Bearer dop_v1_secret'));
});

test('a 429 is waited out for as long as Retry-After says, without using up the retries kept for failures', async t => {
	const limited = () => json(429, {id: 'too_many_requests', message: 'API Rate limit exceeded.'}, {'retry-after': '2'});
	const {client, calls, waits} = api([limited(), limited(), json(503, {}), json(200, {droplet})]);
	t.is((await client.droplet(7)).id, 7);
	t.deepEqual(waits, [2000, 2000, 500]);
	t.is(calls.length, 4);
});

test('a rate limit that does not lift, or lifts only in an hour, is a one-line error instead of a hang', async t => {
	const limited = (after: string) => json(429, {id: 'too_many_requests', message: 'API Rate limit exceeded.'}, {'retry-after': after});
	const persistent = api(Array.from({length: 6}, () => limited('1')));
	const error = await t.throwsAsync(persistent.client.account());
	t.is(error.message, "DigitalOcean's API rate limit for this token is used up (429 after 6 tries, retry after 1 s): wait, then try again");
	t.is(persistent.waits.length, 5);
	const hourly = api([limited('3600')]);
	await t.throwsAsync(hourly.client.account(), {message: /retry after 3600 s/});
	t.deepEqual(hourly.waits, []);
});

test('server errors are retried with backoff for GET and DELETE, never for POST (it may have made a droplet)', async t => {
	const failing = () => json(500, {id: 'server_error', message: 'Server was unable to give you a response.'});
	const get = api([failing(), failing(), failing(), failing()]);
	await t.throwsAsync(get.client.droplet(7), {
		message:
			"DigitalOcean API GET /v2/droplets/7: 500 Server was unable to give you a response. (a problem on DigitalOcean's side: try again later; see https://status.digitalocean.com)",
	});
	t.deepEqual(get.waits, [500, 1000, 2000]);

	const post = api([failing()]);
	await t.throwsAsync(post.client.dropletAction(7, 'reboot'), {message: /POST \/v2\/droplets\/7\/actions: 500/});
	t.is(post.calls.length, 1);
	t.is(post.calls[0]!.body, '{"type":"reboot"}');
});

test('a rejected token and an unreachable API are one-line errors that name the fix and never the token', async t => {
	const rejected = api([json(401, {id: 'Unauthorized', message: 'Unable to authenticate you'})]);
	const error = await t.throwsAsync(rejected.client.account());
	t.is(
		error.message,
		'DigitalOcean rejected the access token (401 Unable to authenticate you): check --digitalocean-access-token or $DIGITALOCEAN_ACCESS_TOKEN',
	);

	const refused = Object.assign(new TypeError('fetch failed'), {cause: {code: 'ECONNREFUSED'}});
	const unreachable = api([refused, refused, refused, refused]);
	const lost = await t.throwsAsync(unreachable.client.account());
	t.is(lost.message, 'cannot reach the DigitalOcean API at http://127.0.0.1:9 (ECONNREFUSED): check your network and --digitalocean-api-url');
	for (const message of [error.message, lost.message]) t.false(message.includes('dop_v1_secret'));

	const proxy = api([new Response('<html>Bad Gateway</html>', {status: 404, statusText: 'Not Found'})]);
	await t.throwsAsync(proxy.client.droplet(7), {message: 'DigitalOcean API GET /v2/droplets/7: 404 Not Found'});
});

test('Retry-After is seconds or an HTTP date', t => {
	t.is(retryAfterMs('3'), 3000);
	t.is(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 10_000);
	t.is(retryAfterMs(null), undefined);
	t.is(retryAfterMs('soon'), undefined);
});
