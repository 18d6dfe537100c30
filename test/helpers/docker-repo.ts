/**
 * A local apt repository of Debian's own docker.io and everything it depends on, and an HTTP
 * server for it, so the install branch of provisioning (`--engine-install-url`) runs for real
 * on test hosts and VMs that have neither Docker nor a route to the internet.
 *
 * The repository is laid out as download.docker.com's is (`linux/debian/dists/CODENAME/stable`,
 * the signing key at `linux/debian/gpg`), so the install script served beside it can have the
 * shape of get.docker.com's. It is signed with a throwaway key made with it, which the install
 * script adds the way get.docker.com adds Docker's.
 *
 * Built once with `apt-get download` on this machine and cached beside the test images; the
 * directory name carries a hash of the package versions, so a newer docker.io (or any of its
 * dependencies) in this machine's package lists makes a new repository.
 */
import {createHash} from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import {mkdtemp} from 'node:fs/promises';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {gzipSync} from 'node:zlib';
import type {ExecutionContext} from 'ava';
import {commandExists, removeTree, run, runChecked, systemPath, withLock} from './hosts/process.js';
import type {Availability} from './real.js';

const cacheDir = process.env.MACHINIST_TEST_CACHE ?? '/var/cache/machinist-test';
const suite = 'bookworm';
/** Docker's own channel name for the component, as in `deb … download.docker.com/linux/debian bookworm stable`. */
const component = 'stable';
/** Where the repository sits under the server's root, as on download.docker.com. */
const repoPath = '/linux/debian';

export type DockerRepo = {
	/** The repository's root (`dists/`, `pool/`, `gpg`). */
	dir: string;
	/** The version of docker.io it serves, e.g. `20.10.24+dfsg1-1+deb12u1+b6`. */
	dockerVersion: string;
	/** What that dockerd reports as its version: the upstream part, e.g. `20.10.24+dfsg1`. */
	serverVersion: string;
	/** `name=version` of every package in it. */
	packages: string[];
};

const needed: Array<[string, string]> = [
	['apt-get', 'apt'],
	['dpkg-scanpackages', 'dpkg-dev'],
	['gpg', 'gpg'],
	['gpgconf', 'gpgconf'],
];

/** Whether the repository can be built here (or is already); the reason names what to install. */
export function dockerRepoAvailable(): Availability {
	if (process.getuid?.() !== 0) return {ok: false, why: 'the local docker.io repository is built as root (apt-get)'};
	const missing = needed.filter(([command]) => !commandExists(command)).map(([, pkg]) => pkg);
	if (missing.length > 0) return {ok: false, why: `the local docker.io repository needs: apt-get install -y ${[...new Set(missing)].join(' ')}`};
	return {ok: true};
}

const aptEnv = {PATH: systemPath, LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive'};

/**
 * What apt would install for docker.io on a system that has nothing at all (an empty dpkg
 * status), without recommends: the whole dependency closure, one provider per alternative, at
 * the versions this machine's package lists offer. A host that lacks only some of it takes what
 * it lacks.
 */
async function dependencyClosure(): Promise<string[]> {
	const empty = path.join(await mkdtemp(path.join(os.tmpdir(), 'mt-apt-')), 'status');
	fs.writeFileSync(empty, '');
	try {
		const simulate = async (): Promise<string[]> => {
			const result = await run(
				'apt-get',
				['-s', '-o', `Dir::State::status=${empty}`, '-o', 'Debug::NoLocking=1', 'install', '--no-install-recommends', 'docker.io'],
				{env: aptEnv},
			);
			return [...result.stdout.matchAll(/^Inst (\S+) \((\S+) /gm)].map(([, name, version]) => `${name}=${version}`);
		};

		let packages = await simulate();
		// A machine whose package lists were cleaned (a slim CI image) knows no docker.io yet.
		if (!packages.some(pkg => pkg.startsWith('docker.io='))) {
			await runChecked('apt-get', ['update', '-q'], {env: aptEnv});
			packages = await simulate();
		}

		if (!packages.some(pkg => pkg.startsWith('docker.io='))) throw new Error("this machine's apt offers no docker.io to build the local repository from");
		return packages.sort();
	} finally {
		fs.rmSync(path.dirname(empty), {recursive: true, force: true});
	}
}

let repoPromise: Promise<DockerRepo> | undefined;

/** The cached repository, built on first use (a download of about 75 MB; progress on stderr). */
export async function ensureDockerRepo(): Promise<DockerRepo> {
	repoPromise ??= (async () => {
		const packages = await dependencyClosure();
		const hash = createHash('sha256').update(JSON.stringify({suite, component, packages})).digest('hex').slice(0, 12);
		const dir = path.join(cacheDir, `docker-repo-${hash}`);
		const dockerVersion = packages.find(pkg => pkg.startsWith('docker.io='))!.slice('docker.io='.length);
		const serverVersion = dockerVersion.replace(/^\d+:/, '').replace(/-[^-]+$/, '');
		const repo: DockerRepo = {dir, dockerVersion, serverVersion, packages};
		if (fs.existsSync(dir)) return repo;
		return withLock(path.join(cacheDir, 'docker-repo.lock'), async () => {
			if (!fs.existsSync(dir)) await buildRepo(repo);
			for (const entry of fs.readdirSync(cacheDir)) {
				if (entry.startsWith('docker-repo-') && entry !== path.basename(dir) && !entry.endsWith('.lock')) removeTree(path.join(cacheDir, entry));
			}

			return repo;
		});
	})();
	repoPromise.catch(() => {
		repoPromise = undefined;
	});
	return repoPromise;
}

async function buildRepo(repo: DockerRepo): Promise<void> {
	const started = Date.now();
	const log = (line: string): void => {
		process.stderr.write(`machinist docker.io repository: ${line}\n`);
	};

	const temporary = `${repo.dir}.tmp-${process.pid}`;
	removeTree(temporary);
	const pool = path.join(temporary, 'pool', component);
	const binary = path.join(temporary, 'dists', suite, component, `binary-${await architecture()}`);
	fs.mkdirSync(pool, {recursive: true});
	fs.mkdirSync(binary, {recursive: true});
	// gpg's agent socket must fit a Unix socket path: a short home of its own, removed after.
	const gnupgHome = await mkdtemp(path.join(os.tmpdir(), 'mt-gpg-'));
	const gpgEnv = {PATH: systemPath, LANG: 'C.UTF-8', GNUPGHOME: gnupgHome};
	try {
		log(`downloading ${repo.packages.length} packages (docker.io ${repo.dockerVersion} and its dependencies) to ${temporary}`);
		// apt-get download writes to its working directory; as root its _apt sandbox needs to write there too.
		fs.chmodSync(pool, 0o777);
		await runChecked('/bin/sh', ['-c', 'cd "$1" && shift && exec apt-get download -q "$@"', 'download', pool, ...repo.packages], {env: aptEnv});
		fs.chmodSync(pool, 0o755);

		const packagesFile = await runChecked('/bin/sh', ['-c', 'cd "$1" && exec dpkg-scanpackages --multiversion pool /dev/null', 'scan', temporary]);
		fs.writeFileSync(path.join(binary, 'Packages'), packagesFile);
		fs.writeFileSync(path.join(binary, 'Packages.gz'), gzipSync(packagesFile));
		const release = releaseFile(
			path.join(temporary, 'dists', suite),
			[path.join(binary, 'Packages'), path.join(binary, 'Packages.gz')],
			await architecture(),
		);
		fs.writeFileSync(path.join(temporary, 'dists', suite, 'Release'), release);

		log('signing it with a throwaway key');
		const gpg = async (...args: string[]): Promise<string> =>
			runChecked('gpg', ['--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {env: gpgEnv});
		await gpg('--quick-generate-key', 'machinist test repository <test-repository@machinist.invalid>', 'ed25519', 'sign', 'never');
		fs.writeFileSync(path.join(temporary, 'gpg'), await gpg('--armor', '--export'));
		const releasePath = path.join(temporary, 'dists', suite, 'Release');
		await gpg('--clearsign', '--output', path.join(temporary, 'dists', suite, 'InRelease'), releasePath);
		await gpg('--armor', '--detach-sign', '--output', path.join(temporary, 'dists', suite, 'Release.gpg'), releasePath);
		fs.writeFileSync(path.join(temporary, 'repo.json'), `${JSON.stringify(repo, undefined, '\t')}\n`);
		fs.renameSync(temporary, repo.dir);
	} catch (error) {
		removeTree(temporary);
		throw error;
	} finally {
		await run('gpgconf', ['--kill', 'all'], {env: gpgEnv});
		fs.rmSync(gnupgHome, {recursive: true, force: true});
	}

	log(`built ${repo.dir} in ${Math.round((Date.now() - started) / 1000)} s`);
}

async function architecture(): Promise<string> {
	return (await runChecked('dpkg', ['--print-architecture'])).trim();
}

/** A Release file as apt reads it: what the suite is, and the SHA256 of each index under it. */
function releaseFile(suiteDir: string, indexes: string[], arch: string): string {
	const sums = indexes.map(file => {
		const content = fs.readFileSync(file);
		return ` ${createHash('sha256').update(content).digest('hex')} ${content.length} ${path.relative(suiteDir, file)}`;
	});
	return [
		'Origin: machinist-test',
		'Label: machinist-test',
		`Suite: ${suite}`,
		`Codename: ${suite}`,
		`Date: ${new Date().toUTCString()}`,
		`Architectures: ${arch}`,
		`Components: ${component}`,
		"Description: Debian's docker.io and its dependencies, for machinist's tests",
		'SHA256:',
		...sums,
		'',
	].join('\n');
}

/**
 * An install script in the shape of get.docker.com's: it detects the distribution from
 * /etc/os-release, adds the repository and its signing key, updates and installs. Where
 * get.docker.com installs Docker Inc.'s docker-ce, this repository holds Debian's own build,
 * so the package is docker.io. `base` is the URL the host fetched the script from.
 */
export function installScript(base: string): string {
	return String.raw`#!/bin/sh
# Installs Docker from ${base}${repoPath}, as get.docker.com does from download.docker.com
# (machinist test fixture: Debian's docker.io where get.docker.com installs docker-ce).
set -e
DOWNLOAD_URL=${base}

command_exists() {
	command -v "$@" >/dev/null 2>&1
}

get_distribution() {
	lsb_dist=""
	if [ -r /etc/os-release ]; then
		lsb_dist="$(. /etc/os-release && echo "$ID")"
	fi
	echo "$lsb_dist"
}

do_install() {
	user="$(id -un 2>/dev/null || true)"
	sh_c='sh -c'
	if [ "$user" != 'root' ]; then
		if command_exists sudo; then
			sh_c='sudo -E sh -c'
		else
			echo 'Error: this installer needs the ability to run commands as root.' >&2
			exit 1
		fi
	fi

	lsb_dist="$(get_distribution | tr '[:upper:]' '[:lower:]')"
	dist_version="$(. /etc/os-release && echo "$VERSION_CODENAME")"
	case "$lsb_dist" in
		debian)
			apt_repo="deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] $DOWNLOAD_URL${repoPath} $dist_version ${component}"
			$sh_c 'install -m 0755 -d /etc/apt/keyrings'
			$sh_c "curl -fsSL \"$DOWNLOAD_URL${repoPath}/gpg\" -o /etc/apt/keyrings/docker.asc"
			$sh_c 'chmod a+r /etc/apt/keyrings/docker.asc'
			$sh_c "echo \"$apt_repo\" > /etc/apt/sources.list.d/docker.list"
			$sh_c 'apt-get update -qq >/dev/null'
			$sh_c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null'
			;;
		*)
			echo "ERROR: Unsupported distribution '$lsb_dist'" >&2
			exit 1
			;;
	esac
}

do_install
`;
}

/** The apt source line for the repository at `base`, signed by the key at `keyring` on the host. */
export function aptSourceLine(base: string, keyring: string): string {
	return `deb [signed-by=${keyring}] ${base}${repoPath} ${suite} ${component}\n`;
}

export type DockerRepoServer = {
	/** Every path requested, in order. */
	requests: string[];
	/** Listens on one more address (a test host's side of its link, 127.0.0.1 for a VM's 10.0.2.2); returns the port. */
	listen(address: string): Promise<number>;
};

/**
 * Serves the repository under /linux/debian/ and the install script at /install.sh for the
 * test's lifetime, on the addresses it is told to listen on and nowhere else. The script names
 * the address the host asked for (its Host header), so one server serves hosts that reach it by
 * different addresses.
 */
export function dockerRepoServer(t: ExecutionContext, repo: DockerRepo): DockerRepoServer {
	const requests: string[] = [];
	const handle: http.RequestListener = (request, response) => {
		let pathname: string;
		try {
			// apt escapes the ~ and + of versions (and the %3a apt-get download writes for an epoch's colon).
			pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://host').pathname);
		} catch {
			response.writeHead(400).end();
			return;
		}

		requests.push(pathname);
		if (pathname === '/install.sh') {
			response.writeHead(200, {'content-type': 'text/x-shellscript'}).end(installScript(`http://${request.headers.host ?? ''}`));
			return;
		}

		const relative = path.posix.normalize(pathname).slice(repoPath.length + 1);
		const file = path.join(repo.dir, relative);
		if (!pathname.startsWith(`${repoPath}/`) || relative.startsWith('..') || !fs.statSync(file, {throwIfNoEntry: false})?.isFile()) {
			response.writeHead(404).end();
			return;
		}

		response.writeHead(200, {'content-length': fs.statSync(file).size});
		if (request.method === 'HEAD') response.end();
		else fs.createReadStream(file).pipe(response);
	};

	const servers: http.Server[] = [];
	t.teardown(() => {
		for (const server of servers) server.close();
	});
	return {
		requests,
		async listen(address) {
			const server = http.createServer(handle);
			servers.push(server);
			await new Promise<void>((resolve, reject) => {
				server.once('error', reject);
				server.listen(0, address, resolve);
			});
			return (server.address() as AddressInfo).port;
		},
	};
}
