import path from 'node:path';
import test from 'ava';
import {machinistInProcess} from '../helpers/cli.js';
import {temporaryDir} from '../helpers/store.js';

test('create -d qemu --help offers --qemu-arch with $QEMU_ARCH, defaulting to this computer', async t => {
	const dir = await temporaryDir(t, 'mqa-');
	const help = await machinistInProcess(['create', '-d', 'qemu', '--help'], {
		MACHINE_STORAGE_PATH: path.join(dir, 'store'),
		HOME: dir,
		PATH: process.env.PATH,
	});
	const native = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
	t.regex(help.stdout, new RegExp(String.raw`--qemu-arch "${native}"\s+the VM's architecture: x86_64 or aarch64; .*\[\$QEMU_ARCH\]`));
});

test('an unknown --qemu-arch is one line naming the choices, and nothing is created', async t => {
	const dir = await temporaryDir(t, 'mqa-');
	const env = {MACHINE_STORAGE_PATH: path.join(dir, 'store'), HOME: dir, PATH: process.env.PATH};
	const result = await machinistInProcess(['create', '-d', 'qemu', '--qemu-arch', 'riscv64', 'vm'], env);
	t.is(result.code, 1);
	t.is(result.stderr.trim(), 'Error setting machine configuration from flags provided: --qemu-arch "riscv64" is not one of x86_64, aarch64');
	t.is((await machinistInProcess(['ls', '-q'], env)).stdout, '');
});
