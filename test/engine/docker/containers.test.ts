import test from 'ava';
import {computeStats} from '../../../source/engine/docker/containers.js';
import {portsLabel} from '../../../source/engine/docker/labels.js';
import {LogDecoder} from '../../../source/engine/docker/logs.js';

function frame(stream: number, text: string): Buffer {
	const body = Buffer.from(text);
	const header = Buffer.alloc(8);
	header[0] = stream;
	header.writeUInt32BE(body.length, 4);
	return Buffer.concat([header, body]);
}

test('a multiplexed log stream tells stdout from stderr, across frames and chunks cut anywhere', t => {
	const bytes = Buffer.concat([
		frame(1, '2026-12-07T01:02:03.123456789Z out one\n2026-12-07T01:02:04Z out '),
		frame(2, '2026-12-07T01:02:05Z err é\n'),
		frame(1, 'two\n'),
	]);
	for (const cut of [1, 3, 7, 9, 20, bytes.length - 1]) {
		const decoder = new LogDecoder({multiplexed: true, timestamps: true});
		const lines = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut)), ...decoder.end()];
		t.deepEqual(
			lines,
			[
				{stream: 'stdout', time: '2026-12-07T01:02:03.123456789Z', text: 'out one'},
				{stream: 'stderr', time: '2026-12-07T01:02:05Z', text: 'err é'},
				{stream: 'stdout', time: '2026-12-07T01:02:04Z', text: 'out two'},
			],
			`cut at ${cut}`,
		);
	}
});

test('a TTY log stream is raw stdout; its CR LF line ends and a last line without one are read', t => {
	const decoder = new LogDecoder({multiplexed: false, timestamps: false});
	const lines = [...decoder.push(Buffer.from('hello\r\nwor')), ...decoder.push(Buffer.from('ld\r\nlast')), ...decoder.end()];
	t.deepEqual(
		lines.map(line => [line.stream, line.text]),
		[
			['stdout', 'hello'],
			['stdout', 'world'],
			['stdout', 'last'],
		],
	);
});

test('with timestamps, a log stream tells by its first bytes whether it is multiplexed or a TTY’s raw output, cut anywhere', t => {
	const multiplexed = Buffer.concat([frame(1, '2026-12-07T01:02:03Z out one\n'), frame(2, '2026-12-07T01:02:05Z err\n')]);
	const raw = Buffer.from('2026-12-07T01:02:03Z hello\r\n2026-12-07T01:02:04Z world\r\n');
	for (const cut of [1, 2, 3, 4, 9, 30]) {
		const read = (bytes: Buffer) => {
			const decoder = new LogDecoder({multiplexed: 'detect', timestamps: true});
			return [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut)), ...decoder.end()].map(line => `${line.stream} ${line.text}`);
		};

		t.deepEqual(read(multiplexed), ['stdout out one', 'stderr err'], `multiplexed, cut at ${cut}`);
		t.deepEqual(read(raw), ['stdout hello', 'stdout world'], `raw, cut at ${cut}`);
	}
});

test('CPU and memory are computed as docker stats does: CPU time over host time times CPUs, memory without inactive file cache', t => {
	const stats = computeStats({
		cpu_stats: {cpu_usage: {total_usage: 3_000_000_000}, system_cpu_usage: 20_000_000_000, online_cpus: 4},
		precpu_stats: {cpu_usage: {total_usage: 2_000_000_000}, system_cpu_usage: 10_000_000_000},
		memory_stats: {usage: 100 * 1024 * 1024, limit: 1024 * 1024 * 1024, stats: {inactive_file: 36 * 1024 * 1024}},
	});
	t.is(stats.cpuPercent, 40);
	t.is(stats.memoryBytes, 64 * 1024 * 1024);
	t.is(stats.memoryPercent, 6.25);
	t.is(computeStats({}).cpuPercent, 0);
});

test('published ports read as docker ps shows them, with the address that reaches them from here', t => {
	const ports = [
		{IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp'},
		{IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp'},
		{IP: '127.0.0.1', PrivatePort: 53, PublicPort: 5353, Type: 'udp'},
		{PrivatePort: 443, Type: 'tcp'},
	];
	t.is(portsLabel(ports, {dockerHost: '192.168.99.100', viaLoopback: false}), '127.0.0.1:5353->53/udp, 192.168.99.100:8080->80/tcp, 443/tcp');
	t.is(portsLabel(ports.slice(0, 1), {dockerHost: '127.0.0.1', viaLoopback: true}), '127.0.0.1:8080->80/tcp');
});
