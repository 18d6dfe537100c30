import test from 'ava';
import {chooseAccel, defaultImageFor, emulationNotice, machineArgs, nativeArch} from '../../../../source/engine/drivers/qemu/arch.js';
import {argAfter, fakeHost, fakeQemu} from '../../../helpers/qemu-driver.js';

test("an aarch64 guest on an x86_64 computer boots under tcg with the emulated CPU, QEMU's aarch64 program and UEFI, and one line saying it is emulated", async t => {
	const {driver, context, standin, events} = await fakeQemu(t, fakeHost('linux', 'x64', {kvm: true}), {'qemu-arch': 'aarch64'});
	await driver.start(context);
	const calls = await standin.calls();
	t.is(calls.length, 1);
	const [args] = calls;
	t.is(argAfter(args!, '-accel'), 'tcg');
	t.is(argAfter(args!, '-machine'), 'virt');
	t.is(argAfter(args!, '-cpu'), 'cortex-a72');
	t.true(args!.some(arg => arg.startsWith('if=pflash,format=raw,unit=0,readonly=on,file=')));
	t.deepEqual(
		events.filter(event => event.type === 'warning').map(event => event.message),
		[emulationNotice('aarch64', {arch: 'x64'})],
	);
	t.regex(
		emulationNotice('aarch64', {arch: 'x64'}),
		/^aarch64 is not this computer's architecture \(x86_64\): the VM runs emulated \(tcg\), so expect boots of several minutes/,
	);
	t.notRegex(emulationNotice('aarch64', {arch: 'x64'}), /\n/);
	await driver.stop(context);
	// A second start of a machine made emulated says nothing again.
	await driver.start(context);
	t.is(events.filter(event => event.type === 'warning').length, 1);
});

test('an x86_64 guest on an arm64 computer is emulated as well, on q35 without firmware files', async t => {
	const {driver, context, standin} = await fakeQemu(t, fakeHost('linux', 'arm64', {kvm: true}), {'qemu-arch': 'x86_64'});
	await driver.start(context);
	const [args] = await standin.calls();
	t.is(argAfter(args!, '-accel'), 'tcg');
	t.is(argAfter(args!, '-machine'), 'q35');
	t.false(args!.includes('-cpu'));
	t.false(args!.some(arg => arg.startsWith('if=pflash')));
});

test('the accelerator: auto takes the first offer for a native guest and tcg for a foreign one; an accelerator cannot run a foreign guest', t => {
	const x86 = {arch: 'x64'};
	t.is(chooseAccel('auto', ['kvm', 'tcg'], 'x86_64', x86), 'kvm');
	t.is(chooseAccel('auto', ['kvm', 'tcg'], 'aarch64', x86), 'tcg');
	t.is(chooseAccel('tcg', ['kvm', 'tcg'], 'aarch64', x86), 'tcg');
	t.throws(() => chooseAccel('kvm', ['kvm', 'tcg'], 'aarch64', x86), {
		message: '--qemu-accel kvm cannot run aarch64 guests on this x86_64 computer: use --qemu-accel auto or tcg',
	});
	t.throws(() => chooseAccel('kvm', ['tcg'], 'x86_64', x86), {message: 'this computer does not offer kvm acceleration: use --qemu-accel auto or tcg'});
	t.is(chooseAccel('hvf', ['hvf', 'tcg'], 'aarch64', {arch: 'arm64'}), 'hvf');
});

test('the machine, CPU model and default image follow the guest architecture, not the computer', t => {
	t.deepEqual(machineArgs('aarch64', 'tcg'), ['-machine', 'virt', '-cpu', 'cortex-a72']);
	t.deepEqual(machineArgs('aarch64', 'kvm'), ['-machine', 'virt', '-cpu', 'host']);
	t.deepEqual(machineArgs('x86_64', 'tcg'), ['-machine', 'q35']);
	t.deepEqual(machineArgs('x86_64', 'kvm'), ['-machine', 'q35']);
	t.deepEqual(machineArgs('x86_64', 'hvf'), ['-machine', 'q35', '-cpu', 'host']);
	t.is(defaultImageFor('aarch64').url, 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-arm64.qcow2');
	t.is(defaultImageFor('x86_64').url, 'https://cloud.debian.org/images/cloud/bookworm/latest/debian-12-generic-amd64.qcow2');
	t.is(defaultImageFor('aarch64').checksum, 'https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS');
	t.is(nativeArch({arch: 'arm64'}), 'aarch64');
	t.is(nativeArch({arch: 'x64'}), 'x86_64');
});

test("a machine's stored architecture and image: --qemu-arch picks the default image; machines stored before --qemu-arch are this computer's", async t => {
	const arm = await fakeQemu(t, fakeHost('linux', 'x64'), {'qemu-arch': 'aarch64'});
	t.like(arm.driver.config, {Arch: 'aarch64', BootImage: defaultImageFor('aarch64').url, BootImageChecksum: defaultImageFor('aarch64').checksum});
	const own = await fakeQemu(t, fakeHost('linux', 'x64'), {'qemu-arch': 'aarch64', 'qemu-boot-image': '/images/mine.qcow2'});
	t.like(own.driver.config, {Arch: 'aarch64', BootImage: '/images/mine.qcow2', BootImageChecksum: ''});
	const {default: definition} = await import('../../../../source/engine/drivers/qemu/index.js');
	const old = definition.fromConfig({
		MachineName: 'old',
		StorePath: '/s',
		SSHUser: 'docker',
		SSHPort: 2222,
		SSHKeyPath: '/k',
		IPAddress: '127.0.0.1',
		SwarmMaster: false,
		SwarmHost: '',
		SwarmDiscovery: '',
	});
	t.is((old.config as {Arch?: string}).Arch, nativeArch(process));
});
