import {readFile} from 'node:fs/promises';
import test from 'ava';
import type {SwarmNode, SwarmService, SwarmTask} from '../../../source/engine/swarm/api.js';
import {parseReplicas, serviceRows} from '../../../source/engine/swarm/services.js';

/** What dockerd 20.10 answered for /services?status=true, /tasks and /nodes on a one-node swarm running `web` with 2 replicas. */
async function answer<T>(name: string): Promise<T> {
	return JSON.parse(await readFile(new URL(`../../fixtures/swarm/${name}.json`, import.meta.url), 'utf8')) as T;
}

test('a service row says what docker service ls says, and its tasks what docker service ps says', async t => {
	const rows = serviceRows(await answer<SwarmService[]>('services'), await answer<SwarmTask[]>('tasks'), await answer<SwarmNode[]>('nodes'));
	t.is(rows.length, 1);
	const {tasks, ...row} = rows[0]!;
	t.like(row, {name: 'web', mode: 'replicated', running: 2, desired: 2, image: 'busybox:machinist', ports: ''});
	t.deepEqual(
		tasks.map(task => `${task.name} ${task.node} ${task.desiredState} ${task.state} ${task.error}`),
		['web.1 vm running running ', 'web.2 vm running running '],
	);
});

test('global services, published ports, pinned images and a daemon without ServiceStatus are shown as the docker CLI shows them', t => {
	const service: SwarmService = {
		ID: 's1',
		Version: {Index: 3},
		Spec: {Name: 'agent', Mode: {Global: {}}, TaskTemplate: {ContainerSpec: {Image: 'nginx:1@sha256:abc123'}}},
		Endpoint: {
			Ports: [
				{Protocol: 'tcp', TargetPort: 80, PublishedPort: 8080},
				{Protocol: 'udp', TargetPort: 53},
			],
		},
	};
	const task = (id: string, node: string, state: string, error?: string): SwarmTask => ({
		ID: id,
		ServiceID: 's1',
		NodeID: node,
		DesiredState: 'running',
		Status: {State: state, ...(error ? {Err: error} : {})},
	});
	const node: SwarmNode = {
		ID: 'n1',
		Version: {Index: 1},
		Spec: {Role: 'manager', Availability: 'active'},
		Description: {Hostname: 'mgr1'},
		Status: {State: 'ready'},
	};
	const nodes = [node];
	const [row] = serviceRows([service], [task('t1', 'n1', 'running'), task('t2', 'n2', 'rejected', 'no such image')], nodes);
	t.like(row, {mode: 'global', running: 1, desired: 2, image: 'nginx:1', ports: '*:8080->80/tcp, 53/udp'});
	t.deepEqual(
		row!.tasks.map(one => [one.name, one.node, one.error]),
		[
			['agent.n1', 'mgr1', ''],
			['agent.n2', 'n2', 'no such image'],
		],
	);
});

test('a replica count is a whole number; anything else is refused in one line', t => {
	t.is(parseReplicas(' 3 '), 3);
	t.is(parseReplicas('0'), 0);
	for (const bad of ['', '-1', '2.5', 'three', '1e3', '99999999999999999999']) t.throws(() => parseReplicas(bad), {message: /^[^\n]+$/}, bad);
});
