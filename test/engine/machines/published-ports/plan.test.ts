import test from 'ava';
import {planForwards, wantedForwards, type ContainerSummary} from '../../../../source/engine/machines/published-ports/plan.js';

function container(name: string, ports: ContainerSummary['Ports']): ContainerSummary {
	return {Id: `${name}0123456789abcdef`, Names: [`/${name}`], Ports: ports};
}

const web = container('web', [
	{IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp'},
	{IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp'},
	{IP: '0.0.0.0', PrivatePort: 53, PublicPort: 5353, Type: 'udp'},
	{PrivatePort: 443, Type: 'tcp'},
]);

test('each published port is wanted once, for IPv4 and IPv6 alike; exposed but unpublished ports are not', t => {
	t.deepEqual(wantedForwards([web]).wanted, [
		{protocol: 'tcp', port: 8080, container: 'web'},
		{protocol: 'udp', port: 5353, container: 'web'},
	]);
});

test('a port published on 127.0.0.1 inside the VM is skipped with the -p that would reach it', t => {
	const local = container('local', [{IP: '127.0.0.1', PrivatePort: 80, PublicPort: 9000, Type: 'tcp'}]);
	const plan = planForwards([local], [], []);
	t.deepEqual(plan.add, []);
	t.is(plan.skip.length, 1);
	t.regex(plan.skip[0]!.reason, /published on 127\.0\.0\.1 inside the VM only: publish it on every address \(-p 9000:80\)/);
});

test('forwards the VM lacks are added and those no running container wants are removed; the rest stay', t => {
	const plan = planForwards(
		[web],
		[
			{protocol: 'tcp', port: 8080},
			{protocol: 'tcp', port: 7000},
			{protocol: 'udp', port: 8080},
		],
		[],
	);
	t.deepEqual(plan.add, [{protocol: 'udp', port: 5353, container: 'web'}]);
	t.deepEqual(plan.remove, [
		{protocol: 'tcp', port: 7000},
		{protocol: 'udp', port: 8080},
	]);
});

test('no containers: every forward of the agent goes, the machine’s own ones are never touched', t => {
	const plan = planForwards(
		[],
		[
			{protocol: 'tcp', port: 2222},
			{protocol: 'tcp', port: 8080},
		],
		[2222, 2376],
	);
	t.deepEqual(plan.remove, [{protocol: 'tcp', port: 8080}]);
});

test('a container publishing a port the machine forwards for itself is skipped, saying so', t => {
	const ssh = container('ssh', [{IP: '0.0.0.0', PrivatePort: 22, PublicPort: 2222, Type: 'tcp'}]);
	const plan = planForwards([ssh], [], [2222]);
	t.deepEqual(plan.add, []);
	t.deepEqual(
		plan.skip.map(skipped => [skipped.port, skipped.container]),
		[[2222, 'ssh']],
	);
	t.regex(plan.skip[0]!.reason, /forwarded to this machine already/);
});

test('one port number over TCP and over UDP is two forwards', t => {
	const first = container('first', [{IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp'}]);
	const other = container('other', [{IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'udp'}]);
	const plan = planForwards([first, other], [{protocol: 'tcp', port: 8080}], []);
	t.deepEqual(plan.add, [{protocol: 'udp', port: 8080, container: 'other'}]);
	t.deepEqual(plan.remove, []);
});

test('a burst: 100 containers against a table left by a dead agent converge in one plan', t => {
	const running = Array.from({length: 100}, (_, index) =>
		container(`c${index}`, [{IP: '0.0.0.0', PrivatePort: 80, PublicPort: 20_000 + index, Type: 'tcp'}]),
	);
	const table = Array.from({length: 100}, (_, index) => ({protocol: 'tcp' as const, port: 20_050 + index}));
	const plan = planForwards(running, table, [2222]);
	t.is(plan.add.length, 50);
	t.is(plan.remove.length, 50);
	const after = new Set([...table.filter(forward => !plan.remove.includes(forward)), ...plan.add].map(forward => forward.port));
	t.deepEqual(
		[...after].sort((a, b) => a - b),
		running.map(each => each.Ports![0]!.PublicPort!),
	);
});

test('a container without names is named by its short id', t => {
	t.is(wantedForwards([{Id: 'abcdef0123456789', Ports: [{IP: '', PrivatePort: 1, PublicPort: 1000, Type: 'tcp'}]}]).wanted[0]!.container, 'abcdef012345');
});
