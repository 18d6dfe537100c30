import {mkdir, readFile, stat, writeFile} from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import {ensureVarsStore, findFirmware, firmwareArgs, firmwareCandidates} from '../../../../source/engine/drivers/qemu/firmware.js';
import {fakeHost, fakeQemu} from '../../../helpers/qemu-driver.js';
import {temporaryDir} from '../../../helpers/store.js';

test("arm64 UEFI is looked for beside QEMU (Homebrew's share/qemu), then where Debian, Fedora, Homebrew and MacPorts put it", async t => {
	const dir = await temporaryDir(t);
	await mkdir(path.join(dir, 'share/qemu'), {recursive: true});
	await writeFile(path.join(dir, 'share/qemu/edk2-aarch64-code.fd'), 'code');
	const binary = path.join(dir, 'bin/qemu-system-aarch64');
	t.deepEqual(await findFirmware(binary, fakeHost('darwin', 'arm64')), {code: path.join(dir, 'share/qemu/edk2-aarch64-code.fd')});
	await writeFile(path.join(dir, 'share/qemu/edk2-arm-vars.fd'), 'vars');
	t.deepEqual(await findFirmware(binary, fakeHost('darwin', 'arm64')), {
		code: path.join(dir, 'share/qemu/edk2-aarch64-code.fd'),
		varsTemplate: path.join(dir, 'share/qemu/edk2-arm-vars.fd'),
	});
	const codes = new Set(firmwareCandidates('/opt/local/bin/qemu-system-aarch64').map(candidate => candidate.code));
	for (const expected of [
		'/opt/local/share/qemu/edk2-aarch64-code.fd',
		'/usr/share/AAVMF/AAVMF_CODE.fd',
		'/usr/share/edk2/aarch64/QEMU_EFI-pflash.raw',
		'/opt/homebrew/share/qemu/edk2-aarch64-code.fd',
		'/usr/local/share/qemu/edk2-aarch64-code.fd',
	]) {
		t.true(codes.has(expected), expected);
	}
});

test('missing arm64 firmware is one line naming the package to install', async t => {
	const nowhere = [{code: '/nonexistent/AAVMF_CODE.fd'}];
	const linux = await t.throwsAsync(findFirmware('/usr/bin/qemu-system-aarch64', fakeHost('linux', 'x64'), nowhere));
	t.is(
		linux?.message,
		'no UEFI firmware for aarch64 guests found: install it with sudo apt-get install qemu-efi-aarch64 (Debian, Ubuntu), sudo dnf install edk2-aarch64 (Fedora)',
	);
	const mac = await t.throwsAsync(findFirmware('/opt/homebrew/bin/qemu-system-aarch64', fakeHost('darwin', 'arm64'), nowhere));
	t.is(mac?.message, 'no UEFI firmware for aarch64 guests found: install it with brew install qemu (it comes with QEMU)');
});

test('each machine has its own UEFI variable store, made from the template once and kept with what the guest wrote', async t => {
	const dir = await temporaryDir(t);
	await writeFile(path.join(dir, 'code.fd'), Buffer.alloc(4096, 1));
	await writeFile(path.join(dir, 'vars.fd'), Buffer.alloc(4096, 0));
	const firmware = {code: path.join(dir, 'code.fd'), varsTemplate: path.join(dir, 'vars.fd')};
	await mkdir(path.join(dir, 'a'));
	await mkdir(path.join(dir, 'b'));
	const a = await ensureVarsStore(firmware, path.join(dir, 'a'));
	const b = await ensureVarsStore(firmware, path.join(dir, 'b'));
	t.not(a, b);
	await writeFile(a, 'Boot0001 debian');
	t.is(await ensureVarsStore(firmware, path.join(dir, 'a')), a);
	t.is(await readFile(a, 'utf8'), 'Boot0001 debian');
	t.deepEqual(await readFile(b), Buffer.alloc(4096, 0));
	t.deepEqual(await readFile(firmware.varsTemplate), Buffer.alloc(4096, 0));
	// Without a template, an empty store the code's size, which the firmware formats.
	await mkdir(path.join(dir, 'c'));
	const c = await ensureVarsStore({code: firmware.code}, path.join(dir, 'c'));
	t.is((await stat(c)).size, 4096);
	t.deepEqual(await firmwareArgs('x86_64', '/usr/bin/qemu-system-x86_64', path.join(dir, 'c'), fakeHost('linux', 'x64')), []);
});

test("an arm64 machine's boot entries survive its restarts and go with it on rm", async t => {
	const {driver, context, machineDir} = await fakeQemu(t, fakeHost('darwin', 'arm64'));
	await driver.start(context);
	const vars = path.join(machineDir, 'efi-vars.fd');
	await writeFile(vars, 'Boot0001 debian');
	await driver.stop(context);
	await driver.start(context);
	t.is(await readFile(vars, 'utf8'), 'Boot0001 debian');
	await driver.remove(context);
	await t.throwsAsync(stat(vars), {code: 'ENOENT'});
});
