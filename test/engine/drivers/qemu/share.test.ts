import test from 'ava';
import {defaultShareType, shareArgs, virtiofsdBinary, virtiofsdCommand, virtiofsSocket} from '../../../../source/engine/drivers/qemu/share.js';

test('virtiofs gives QEMU a shared memory backend and a vhost-user-fs device on the socket beside the monitor socket', t => {
	const args = shareArgs('virtiofs', '/home/me', 'machinist-share0', 2048, '/run/machinist-ab12/qmp.sock');
	t.deepEqual(args, [
		'-object',
		'memory-backend-memfd,id=mem,size=2048M,share=on',
		'-numa',
		'node,memdev=mem',
		'-chardev',
		'socket,id=share0,path=/run/machinist-ab12/vfs.sock',
		'-device',
		'vhost-user-fs-pci,chardev=share0,tag=machinist-share0',
	]);
	t.is(virtiofsSocket('/a/qmp.sock').length, '/a/qmp.sock'.length, 'fits wherever the monitor socket fits');
});

test('9p shares the folder with -virtfs, whatever its cache (that is the mount in the guest)', t => {
	for (const type of ['9p', '9p-mmap', '9p-loose'] as const) {
		t.deepEqual(shareArgs(type, '/home/me', 'machinist-share0', 2048, '/m/qmp.sock'), [
			'-virtfs',
			'local,path=/home/me,mount_tag=machinist-share0,security_model=none,id=share0',
		]);
	}
});

test('virtiofsd runs as is for root; for a user the C one runs in a user namespace of its own, the Rust one unsandboxed', t => {
	t.deepEqual(virtiofsdCommand('/usr/lib/qemu/virtiofsd', '/home/me', '/m/vfs.sock', true), [
		'/usr/lib/qemu/virtiofsd',
		'--socket-path=/m/vfs.sock',
		'-o',
		'source=/home/me',
		'-o',
		'cache=auto',
	]);
	const user = virtiofsdCommand('/usr/lib/qemu/virtiofsd', '/home/me', '/m/vfs.sock', false);
	t.deepEqual(user.slice(0, 4), ['unshare', '--user', '--map-root-user', '--mount']);
	t.deepEqual(user.slice(-6), ['/usr/lib/qemu/virtiofsd', '--socket-path=/m/vfs.sock', '-o', 'source=/home/me', '-o', 'cache=auto']);
	t.deepEqual(virtiofsdCommand('/usr/libexec/virtiofsd', '/home/me', '/m/vfs.sock', false), [
		'/usr/libexec/virtiofsd',
		'--socket-path=/m/vfs.sock',
		'--shared-dir=/home/me',
		'--cache=auto',
		'--sandbox=none',
	]);
});

test('virtiofs is the default for root, and for a user only with the Rust virtiofsd (which runs as the user)', t => {
	const found = virtiofsdBinary(process.env);
	t.is(defaultShareType(process.env, true), found ? 'virtiofs' : '9p');
	t.is(defaultShareType(process.env, false), found && !found.includes('/qemu/') ? 'virtiofs' : '9p');
	t.is(defaultShareType({PATH: ''}, true), defaultShareType(process.env, true), 'found in its usual places, not only on the PATH');
});
