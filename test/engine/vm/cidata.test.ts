import {execFile} from 'node:child_process';
import {readFile} from 'node:fs/promises';
import path from 'node:path';
import {promisify} from 'node:util';
import test from 'ava';
import {nocloudFiles, writeSeedIso} from '../../../source/engine/vm/cidata.js';
import {realTest, toolAvailable} from '../../helpers/real.js';
import {temporaryDir} from '../../helpers/store.js';

const exec = promisify(execFile);

const seed = {
	instanceId: 'machinist-dev-1a2b',
	hostname: 'dev',
	user: 'docker',
	publicKey: 'ssh-ed25519 AAAAC3Nza key@host\n',
	shares: [{tag: 'machinist-share0', guestPath: "/home/it's me"}],
};

// Reading the volume back needs isoinfo and blkid.
const withReaders = realTest(toolAvailable('isoinfo', 'apt-get install -y genisoimage'), toolAvailable('blkid', 'apt-get install -y util-linux'));

withReaders('the seed is an ISO 9660 volume labelled cidata that blkid and isoinfo read, with user-data and meta-data', async t => {
	const dir = await temporaryDir(t);
	const file = path.join(dir, 'seed.iso');
	await writeSeedIso(file, seed);
	t.regex((await exec('blkid', ['-o', 'export', file])).stdout, /LABEL=cidata\nTYPE=iso9660/);
	const listing = (await exec('isoinfo', ['-l', '-i', file])).stdout;
	t.regex(listing, / meta-data $/m);
	t.regex(listing, / user-data $/m);
	const userData = (await exec('isoinfo', ['-i', file, '-x', '/user-data'])).stdout;
	t.is(userData, nocloudFiles(seed)['user-data']);
	t.is((await exec('isoinfo', ['-i', file, '-x', '/meta-data'])).stdout, 'instance-id: "machinist-dev-1a2b"\nlocal-hostname: "dev"\n');
	t.is((await readFile(file)).length % 2048, 0);
});

test('user-data creates the user with the key and passwordless sudo, turns password logins off, and mounts shares at every boot', t => {
	const userData = nocloudFiles(seed)['user-data'];
	t.true(userData.startsWith('#cloud-config\n'));
	t.regex(userData, /- name: "docker"\n {4}no_user_group: true/);
	t.regex(userData, / {6}- "ssh-ed25519 AAAAC3Nza key@host"\n/);
	t.regex(userData, /sudo: "ALL=\(ALL\) NOPASSWD:ALL"/);
	t.regex(userData, /machinist-share0 \/home\/it's\\040me 9p trans=virtio,version=9p2000\.L/);
	t.regex(userData, /\n {2}- path: \/etc\/ssh\/sshd_config\.d\/10-machinist\.conf\n {4}content: "PasswordAuthentication no\\n"\n/);
	// Mounted early in the first boot (the fstab line is written after bootcmd), once per instance.
	t.regex(
		userData,
		/\nbootcmd:\n {2}- \[cloud-init-per, instance, machinist-share0, sh, -c, "mkdir -p '\/home\/it'\\\\''s me' && mount -t 9p -o trans=virtio,version=9p2000\.L,msize=262144,cache=none machinist-share0 '\/home\/it'\\\\''s me' \|\| true"\]\n/,
	);
	t.notRegex(nocloudFiles({...seed, shares: []})['user-data'], /9p|runcmd|bootcmd/);
});

test("user-data with Docker's material writes the files with their modes and runs the script once per instance, early in the boot", t => {
	const docker = {
		files: [
			{path: '/etc/docker/ca.pem', content: 'CA\n', mode: 0o644},
			{path: '/etc/docker/server-key.pem', content: 'KEY\n', mode: 0o600},
		],
		script: 'echo "it\'s" > /x',
	};
	const userData = nocloudFiles({...seed, docker})['user-data'];
	t.regex(userData, / {2}- path: "\/etc\/docker\/ca\.pem"\n {4}permissions: "0644"\n {4}encoding: b64\n {4}content: Q0EK\n/);
	t.regex(userData, / {2}- path: "\/etc\/docker\/server-key\.pem"\n {4}permissions: "0600"\n {4}encoding: b64\n {4}content: S0VZCg==\n/);
	t.regex(userData, /\nbootcmd:\n {2}- \[cloud-init-per, instance, machinist-docker, sh, -c, "echo \\"it's\\" > \/x"\]\n/);
	// One reload, after dockerd's drop-in is written, so that this boot's dockerd starts with it.
	t.regex(
		userData,
		/\n {2}- \[cloud-init-per, instance, machinist-reload, sh, -c, "if \[ -d \/run\/systemd\/system \]; then systemctl daemon-reload; fi"\]\n(?! {2}- )/,
	);
	t.is(userData.match(/^write_files:/gm)?.length, 1, 'one write_files list holds the certificates and the fstab lines');
	t.regex(userData, /append: true/);
	t.notRegex(nocloudFiles(seed)['user-data'], /machinist-docker|machinist-reload|encoding/);
});

test("user-data gives the guest this computer's ed25519 host key and has it make none of its own", async t => {
	const {generateKeyPair} = await import('../../../source/engine/ssh/keys.js');
	const hostKey = await generateKeyPair('ed25519', 'dev-host');
	const userData = nocloudFiles({...seed, hostKey})['user-data'];
	const block = /\nssh_keys:\n {2}ed25519_private: \|\n((?: {4}.*\n)+) {2}ed25519_public: "(.*)"\n/.exec(userData);
	t.truthy(block, userData);
	t.is(block![1]!.replaceAll(/^ {4}/gm, ''), `${hostKey.privateKey.trim()}\n`, 'the private key, every line of it, as a YAML block');
	t.is(block![2], hostKey.publicKey);
	// With keys given, cloud-init makes none (and an empty ssh_genkeytypes fails its schema check).
	t.regex(userData, /\nssh_deletekeys: true\nssh_keys:\n/);
	t.notRegex(nocloudFiles({...seed, hostKey})['user-data'] + nocloudFiles(seed)['user-data'], /ssh_genkeytypes/);
	t.notRegex(nocloudFiles(seed)['user-data'], /ssh_keys/, 'without a key the guest makes its own, as before');
});

test('a seed for cloud-init at the first boot only turns it off early under systemd, with the config and final stages of that boot; else as the last thing that boot does', t => {
	const userData = nocloudFiles({...seed, firstBootOnly: true})['user-data'];
	const skip = /\nbootcmd:\n {2}- \[sh, -c, "(.*)"\]\n/.exec(userData)?.[1];
	t.is(
		skip,
		String.raw`if [ -d /run/systemd/system ]; then\ntouch /etc/cloud/cloud-init.disabled\nfor unit in cloud-config.service cloud-final.service; do mkdir -p /run/systemd/system/$unit.d && printf '[Unit]\\nConditionPathExists=!/etc/cloud/cloud-init.disabled\\n' > /run/systemd/system/$unit.d/10-machinist.conf; done\nfi`,
		userData,
	);
	t.regex(userData, /machinist-reload/, 'systemd reads the conditions before the stages start');
	t.regex(userData, /\nruncmd:\n {2}- \[touch, \/etc\/cloud\/cloud-init\.disabled\]\n$/);
	t.notRegex(nocloudFiles(seed)['user-data'], /cloud-init\.disabled|runcmd/);
});

test('a virtiofs share is mounted by its tag with no 9p options; a 9p share with its own cache options keeps them', t => {
	const userData = nocloudFiles({
		...seed,
		shares: [
			{tag: 'machinist-share0', guestPath: '/src', fs: 'virtiofs', options: ''},
			{tag: 'machinist-share1', guestPath: '/data', fs: '9p', options: 'trans=virtio,cache=mmap'},
		],
	})['user-data'];
	t.regex(userData, /^ {6}machinist-share0 \/src virtiofs nofail,x-systemd\.before=local-fs\.target 0 0$/m);
	t.regex(userData, /^ {6}machinist-share1 \/data 9p trans=virtio,cache=mmap,nofail,x-systemd\.before=local-fs\.target 0 0$/m);
});
