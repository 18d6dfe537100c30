import path from 'node:path';
import test from 'ava';
import {macArgsProblem, offeredAccels, parseQemuVersion, qemuSearchEnv, windowsUnsupported} from '../../../../source/engine/drivers/qemu/host-platform.js';
import {qemuArgs} from '../../../../source/engine/drivers/qemu/vm.js';
import {socketPathFor} from '../../../../source/engine/vm/sockets.js';
import {argAfter, fakeHost, fakeQemu} from '../../../helpers/qemu-driver.js';

test('auto chooses hvf on an Apple silicon Mac: an aarch64 guest on virt with -cpu host, UEFI beside QEMU, a pid file and -daemonize', async t => {
	const {driver, context, standin, prefix, machineDir} = await fakeQemu(t, fakeHost('darwin', 'arm64'));
	await driver.start(context);
	const [args] = await standin.calls();
	t.is(argAfter(args!, '-accel'), 'hvf');
	t.is(argAfter(args!, '-machine'), 'virt');
	t.is(argAfter(args!, '-cpu'), 'host');
	t.true(args!.includes(`if=pflash,format=raw,unit=0,readonly=on,file=${path.join(prefix, 'share/qemu/edk2-aarch64-code.fd')}`));
	t.true(args!.includes(`if=pflash,format=raw,unit=1,file=${path.join(machineDir, 'efi-vars.fd')}`));
	t.is(argAfter(args!, '-pidfile'), path.join(machineDir, 'qemu.pid'));
	t.true(args!.includes('-daemonize'));
	t.is(await driver.getState(context), 'Running');
	t.is(driver.config.AccelUsed, 'hvf');
	await driver.stop(context);
	t.is(await driver.getState(context), 'Stopped');
});

test('auto chooses hvf on an Intel Mac too, with -cpu host for its x86_64 guest', async t => {
	const {driver, context, standin} = await fakeQemu(t, fakeHost('darwin', 'x64'));
	await driver.start(context);
	const [args] = await standin.calls();
	t.is(argAfter(args!, '-accel'), 'hvf');
	t.is(argAfter(args!, '-machine'), 'q35');
	t.is(argAfter(args!, '-cpu'), 'host');
	t.false(args!.some(arg => arg.startsWith('if=pflash')));
});

test('a Mac whose kern.hv_support says 0 gets tcg from auto, with the emulated CPU model', async t => {
	const {driver, context, standin, events} = await fakeQemu(t, fakeHost('darwin', 'arm64', {hvSupport: '0'}));
	await driver.start(context);
	const [args] = await standin.calls();
	t.is(argAfter(args!, '-accel'), 'tcg');
	t.is(argAfter(args!, '-cpu'), 'cortex-a72');
	t.deepEqual(
		events.filter(event => event.type === 'warning'),
		[],
	);
});

test('a guest that does not come up under hvf is booted again under tcg, with one warning saying so', async t => {
	const {driver, context, standin, events} = await fakeQemu(t, fakeHost('darwin', 'arm64'), {}, {hangUnder: 'hvf'});
	await driver.start(context);
	const calls = await standin.calls();
	t.deepEqual(
		calls.map(args => argAfter(args, '-accel')),
		['hvf', 'tcg'],
	);
	const warnings = events.filter(event => event.type === 'warning').map(event => event.message);
	t.is(warnings.length, 1);
	t.regex(
		warnings[0]!,
		/^hvf is offered but the VM made no progress under it \(no kernel output on the serial console within 2 s.*\); using tcg, which is slower$/,
	);
	t.is(driver.config.AccelUsed, 'tcg');
});

test("Homebrew's and MacPorts' folders are searched for QEMU on a Mac when the PATH lacks them, as for an app started from the Dock", t => {
	const mac = qemuSearchEnv({PATH: '/usr/bin:/bin', HOME: '/Users/me'}, fakeHost('darwin', 'arm64'));
	t.is(mac.PATH, '/usr/bin:/bin:/opt/homebrew/bin:/usr/local/bin:/opt/local/bin');
	t.is(mac.HOME, '/Users/me');
	t.is(qemuSearchEnv({PATH: '/opt/homebrew/bin:/usr/bin'}, fakeHost('darwin', 'arm64')).PATH, '/opt/homebrew/bin:/usr/bin:/usr/local/bin:/opt/local/bin');
	t.is(qemuSearchEnv({PATH: '/usr/bin'}, fakeHost('linux', 'x64')).PATH, '/usr/bin');
});

test('a Mac without QEMU is told to brew install qemu, before anything is made', async t => {
	const {driver, context} = await fakeQemu(t, fakeHost('darwin', 'arm64'));
	const error = await t.throwsAsync(driver.preCreateCheck({...context, env: {PATH: '/nonexistent'}}));
	t.is(error?.message, 'QEMU is not installed (qemu-system-aarch64 not found): install it with brew install qemu, or give --qemu-binary');
});

test('a share from a Mac needs QEMU 7.0 or later; older QEMU is one line, and --qemu-no-share works with it', async t => {
	const home = await fakeQemu(t, fakeHost('darwin', 'arm64'), {'qemu-no-share': false, 'qemu-share-folder': process.cwd()}, {version: '6.2.0'});
	const error = await t.throwsAsync(home.driver.preCreateCheck(home.context));
	t.is(
		error?.message,
		'QEMU 6.2 (qemu-system-aarch64) cannot share a folder from macOS (9p needs QEMU 7.0 or later): brew upgrade qemu, or use --qemu-no-share',
	);
	const noShare = await fakeQemu(t, fakeHost('darwin', 'arm64'), {}, {version: '6.2.0'});
	await t.notThrowsAsync(noShare.driver.preCreateCheck(noShare.context));
	const recent = await fakeQemu(t, fakeHost('darwin', 'arm64'), {'qemu-no-share': false, 'qemu-share-folder': process.cwd()}, {version: '7.0.0'});
	await t.notThrowsAsync(recent.driver.preCreateCheck(recent.context));
});

test('the share QEMU is given on Linux uses only what QEMU on macOS offers', async t => {
	const {driver, machineDir} = await fakeQemu(t, fakeHost('linux', 'x64'), {'qemu-no-share': false, 'qemu-share-folder': `${process.cwd()}:/work`});
	const paths = {disk: path.join(machineDir, 'disk.qcow2'), seed: 's', serial: 'l', socket: 'q', pid: 'p'};
	const linuxArgs = await qemuArgs(driver.config, 'qemu-system-x86_64', paths, 'kvm', fakeHost('linux', 'x64'));
	t.truthy(argAfter(linuxArgs, '-virtfs'));
	t.is(macArgsProblem(linuxArgs), undefined);
	const macArgs = await qemuArgs(driver.config, 'qemu-system-x86_64', paths, 'hvf', fakeHost('darwin', 'x64'));
	t.is(argAfter(macArgs, '-virtfs'), argAfter(linuxArgs, '-virtfs'));
	t.is(
		macArgsProblem(['-object', 'memory-backend-memfd,id=mem,size=2048M,share=on']),
		'QEMU on macOS has no memory-backend-memfd (memory-backend-memfd,id=mem,size=2048M,share=on)',
	);
	t.is(macArgsProblem(['-virtfs', 'proxy,sock_fd=3,mount_tag=x']), 'QEMU on macOS has no -virtfs option proxy (proxy,sock_fd=3,mount_tag=x)');
});

test('QEMU version lines are read as Debian, Homebrew and MacPorts builds print them', t => {
	t.deepEqual(parseQemuVersion('QEMU emulator version 7.2.0 (Debian 1:7.2+dfsg-7+deb12u18)\nCopyright'), [7, 2]);
	t.deepEqual(parseQemuVersion('QEMU emulator version 9.1.2\n'), [9, 1]);
	t.is(parseQemuVersion('command not found'), undefined);
});

test.serial("monitor sockets of a deep store stay within macOS's 104 bytes under a long $TMPDIR", t => {
	const saved = process.env.TMPDIR;
	process.env.TMPDIR = '/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T/';
	try {
		const machineDir = `/Users/someone-with-a-long-name/Library/Application Support/machinist/${'deep/'.repeat(10)}machines/m`;
		const socket = socketPathFor(machineDir, 'qmp.sock', {});
		t.true(socket.startsWith('/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T/machinist-'), socket);
		t.true(Buffer.byteLength(socket) < 104, socket);
	} finally {
		if (saved === undefined) delete process.env.TMPDIR;
		else process.env.TMPDIR = saved;
	}
});

test('hvf, kvm and whpx are offered where their systems have them, tcg everywhere', async t => {
	t.deepEqual(await offeredAccels(fakeHost('darwin', 'arm64')), ['hvf', 'tcg']);
	t.deepEqual(await offeredAccels(fakeHost('darwin', 'x64', {hvSupport: '0'})), ['tcg']);
	t.deepEqual(await offeredAccels(fakeHost('linux', 'x64', {kvm: true})), ['kvm', 'tcg']);
	t.deepEqual(await offeredAccels(fakeHost('linux', 'x64')), ['tcg']);
	t.deepEqual(await offeredAccels(fakeHost('freebsd', 'x64')), ['tcg']);
});

test('create -d qemu on Windows fails at once with one line saying what is missing there', async t => {
	const {driver, context, standin} = await fakeQemu(t, fakeHost('win32', 'x64'));
	const error = await t.throwsAsync(driver.preCreateCheck(context));
	t.is(error?.message, windowsUnsupported);
	t.regex(windowsUnsupported, /^the qemu driver does not run on Windows yet: QEMU there has no -daemonize/);
	t.deepEqual(await standin.calls(), []);
});
