import {execFile} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {promisify} from 'node:util';
import test from 'ava';
import {parseUsernet, qmpForwarder} from '../../../../source/engine/drivers/qemu/forwards.js';
import {findProgram} from '../../../../source/engine/programs.js';
import {freePort} from '../../../../source/engine/vm/ports.js';
import {realTest} from '../../../helpers/real.js';
import {temporaryDir} from '../../../helpers/store.js';

const qemu = 'qemu-system-x86_64';
const withQemu = realTest(
	findProgram(qemu, process.env) ? {ok: true} : {ok: false, why: `the forward tests need ${qemu} (apt-get install -y qemu-system-x86)`},
);

test('the host forwards of `info usernet` are read with their protocol and ports; other rows are not', t => {
	const table =
		'Hub -1 (net0):\r\n  Protocol[State]    FD  Source Address  Port   Dest. Address  Port RecvQ SendQ\r\n' +
		'  TCP[HOST_FORWARD]  11       127.0.0.1 12345       10.0.2.15    22     0     0\r\n' +
		'  UDP[HOST_FORWARD]  15       127.0.0.1 12346       10.0.2.15 12346     0     0\r\n' +
		'  TCP[ESTABLISHED]   23       10.0.2.15 40000    93.184.216.34   443     0     0\r\n';
	t.deepEqual(parseUsernet(table), [
		{protocol: 'tcp', port: 12_345, guest: 22},
		{protocol: 'udp', port: 12_346, guest: 12_346},
	]);
});

withQemu('a paused QEMU gets TCP and UDP forwards on 127.0.0.1 and loses them; a taken port is refused naming its holder', async t => {
	const dir = await temporaryDir(t, 'mfw-');
	const socket = path.join(dir, 'qmp.sock');
	const [ssh, tcp, udp] = [await freePort(), await freePort(), await freePort()];
	await promisify(execFile)(qemu, [
		'-machine',
		'q35',
		'-accel',
		'tcg',
		'-S',
		'-display',
		'none',
		'-monitor',
		'none',
		'-daemonize',
		'-netdev',
		`user,id=net0,hostfwd=tcp:127.0.0.1:${ssh}-:22`,
		'-device',
		'virtio-net-pci,netdev=net0',
		'-qmp',
		`unix:${socket},server=on,wait=off`,
		'-pidfile',
		path.join(dir, 'qemu.pid'),
	]);
	const pid = Number(await readFile(path.join(dir, 'qemu.pid'), 'utf8'));
	t.teardown(() => process.kill(pid, 'SIGKILL'));
	const forwarder = qmpForwarder(socket, [ssh]);
	t.deepEqual(await forwarder.current(), [], 'the machine’s own SSH forward is not listed');

	t.is(await forwarder.add({protocol: 'tcp', port: tcp}), undefined);
	t.is(await forwarder.add({protocol: 'udp', port: udp}), undefined);
	t.deepEqual(await forwarder.current(), [
		{protocol: 'tcp', port: tcp},
		{protocol: 'udp', port: udp},
	]);
	await new Promise<void>((resolve, reject) => {
		net.connect({host: '127.0.0.1', port: tcp})
			.once('connect', function (this: net.Socket) {
				this.destroy();
				resolve();
			})
			.once('error', reject);
	});

	const holder = net.createServer();
	await new Promise<void>(resolve => holder.listen(0, '127.0.0.1', resolve));
	t.teardown(() => holder.close());
	const taken = (holder.address() as net.AddressInfo).port;
	t.is(await forwarder.add({protocol: 'tcp', port: taken}), `in use by node (pid ${process.pid})`);

	await forwarder.remove({protocol: 'tcp', port: tcp});
	await forwarder.remove({protocol: 'udp', port: udp});
	t.deepEqual(await forwarder.current(), []);
	await t.notThrowsAsync(forwarder.remove({protocol: 'udp', port: udp}), 'a forward already gone is no error');
});
