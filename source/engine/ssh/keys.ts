/**
 * The machine's SSH key pair: generated here, stored in the machine directory under the names
 * docker-machine used (`id_rsa`, `id_rsa.pub`, both 0600) so stores stay interchangeable, and
 * checked before use the way OpenSSH checks a private key file.
 */
import {constants} from 'node:fs';
import {access, link, open, readFile, rename, stat, unlink} from 'node:fs/promises';
import path from 'node:path';
import ssh2, {type ParsedKey} from 'ssh2';
import {MachinistError, errorMessage} from '../errors.js';
import {shellQuote} from './quote.js';

export type KeyKind = 'rsa' | 'ed25519';

export type KeyPair = {
	kind: KeyKind;
	/** OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----`), unencrypted. */
	privateKey: string;
	/** One authorized_keys line, `ssh-rsa AAAA… comment`, without a newline. */
	publicKey: string;
};

/** docker-machine used 2048 bits; 4096 costs about half a second once per machine. */
export const rsaKeyBits = 4096;

/** docker-machine's names; kept for every kind of key so its stores and ours stay interchangeable. */
export const keyFileNames = {private: 'id_rsa', public: 'id_rsa.pub'} as const;

export async function generateKeyPair(kind: KeyKind = 'rsa', comment = 'machinist'): Promise<KeyPair> {
	// A newline would end the authorized_keys line early and turn the rest into a second entry.
	if (/[\0-\u001F\u007F]/.test(comment)) {
		throw new MachinistError(`The SSH key comment ${JSON.stringify(comment)} contains control characters; use printable text`);
	}

	// ssh2 1.17 strips leading zero bytes from ed25519 public keys, so about one ed25519 key in
	// 256 comes out corrupt (neither ssh2 nor ssh-keygen can load it). Such keys fail the check
	// below; a fresh one is then almost certainly sound.
	for (let attempt = 1; ; attempt++) {
		const generated = await generate(kind, comment);
		const pair = {kind, privateKey: generated.private, publicKey: generated.public.trim()};
		if (isSound(pair)) return pair;
		if (attempt === 5)
			throw new MachinistError(`Could not generate a usable ${kind} SSH key: every attempt produced a malformed key; try the other key type`);
	}
}

async function generate(kind: KeyKind, comment: string): Promise<{private: string; public: string}> {
	return new Promise((resolve, reject) => {
		const done = (error: Error | null, pair: {private: string; public: string}): void => {
			if (error) reject(new MachinistError(`Could not generate an ${kind} SSH key: ${error.message}`, {cause: error}));
			else resolve(pair);
		};

		if (kind === 'rsa') ssh2.utils.generateKeyPair('rsa', {bits: rsaKeyBits, comment}, done);
		else ssh2.utils.generateKeyPair('ed25519', {comment}, done);
	});
}

/** The private key loads, and what it signs the public key verifies. */
function isSound(pair: KeyPair): boolean {
	const privateKey = ssh2.utils.parseKey(pair.privateKey);
	const publicKey = ssh2.utils.parseKey(pair.publicKey);
	if (privateKey instanceof Error || publicKey instanceof Error) return false;
	if (!privateKey.getPublicSSH().equals(publicKey.getPublicSSH())) return false;
	const data = Buffer.from('machinist key check');
	const signature = privateKey.sign(data);
	return !(signature instanceof Error) && publicKey.verify(data, signature);
}

export type KeyPairPaths = {privateKeyPath: string; publicKeyPath: string};

/**
 * Writes `id_rsa` and `id_rsa.pub` into `dir`, both 0600 as docker-machine wrote them. Each file
 * appears complete or not at all. Refuses to replace an existing key unless `overwrite`: the
 * machine may only accept the old one.
 */
export async function writeKeyPair(dir: string, pair: KeyPair, options: {overwrite?: boolean} = {}): Promise<KeyPairPaths> {
	const paths = {
		privateKeyPath: path.join(dir, keyFileNames.private),
		publicKeyPath: path.join(dir, keyFileNames.public),
	};
	await writePrivateFile(paths.privateKeyPath, pair.privateKey.endsWith('\n') ? pair.privateKey : `${pair.privateKey}\n`, options.overwrite ?? false);
	await writePrivateFile(paths.publicKeyPath, `${pair.publicKey}\n`, options.overwrite ?? false);
	return paths;
}

async function writePrivateFile(file: string, content: string, overwrite: boolean): Promise<void> {
	const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
	try {
		// Created 0600 from the start, so the key is never readable by others, not even briefly.
		const handle = await open(temporary, 'wx', 0o600);
		try {
			await handle.writeFile(content);
			await handle.sync();
		} finally {
			await handle.close();
		}

		// link() fails if the name exists, atomically; rename() would replace it.
		await (overwrite ? rename(temporary, file) : link(temporary, file));
	} catch (error) {
		const {code} = error as NodeJS.ErrnoException;
		if (code === 'EEXIST' && !overwrite) {
			throw new MachinistError(`Not replacing the SSH key ${file}: it exists; remove it first if the machine no longer needs it`, {cause: error});
		}

		throw new MachinistError(`Could not write the SSH key ${file}: ${errorMessage(error)}`, {cause: error});
	} finally {
		await unlink(temporary).catch(() => undefined);
	}
}

/**
 * A new machine's own key pair, made and written into its directory: ed25519, small and made in
 * milliseconds, which every image and cloud the drivers use accepts. The comment names the
 * machine, so its owner is clear in a cloud's key list and in authorized_keys.
 */
export async function createMachineKey(machineDir: string, machineName: string): Promise<{publicKey: string; privateKeyPath: string}> {
	const pair = await generateKeyPair('ed25519', `machinist-${machineName}`);
	const {privateKeyPath} = await writeKeyPair(machineDir, pair);
	return {publicKey: pair.publicKey, privateKeyPath};
}

/**
 * Refuses a private key file OpenSSH would refuse: unreadable, or readable or writable by group
 * or others. The texts are docker-machine's, which copied OpenSSH's.
 */
export async function checkPrivateKeyFile(file: string): Promise<void> {
	let info;
	try {
		await access(file, constants.R_OK);
		info = await stat(file);
	} catch (error) {
		const {code} = error as NodeJS.ErrnoException;
		const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : errorMessage(error);
		throw new MachinistError(`'${file}' is not readable: ${why}; check the machine's SSH key path`, {cause: error});
	}

	if (!info.isFile()) throw new MachinistError(`'${file}' is not readable: it is not a regular file; check the machine's SSH key path`);
	// Windows has no POSIX modes; Node reports 0666 for every file there.
	if (process.platform === 'win32') return;
	if ((info.mode & 0o077) !== 0) {
		const octal = `0${(info.mode & 0o777).toString(8)}`;
		throw new MachinistError(`permissions ${octal} for '${file}' are too open: run chmod 600 ${shellQuote(file)}`);
	}
}

/**
 * Parses an unencrypted private key. ssh2 reads OpenSSH, PKCS#1 and PKCS#8 PEM; docker-machine
 * wrote PKCS#1. `source` names the key in messages.
 */
export function parsePrivateKey(data: string | Buffer, source: string): ParsedKey {
	const key = ssh2.utils.parseKey(data);
	if (key instanceof Error) {
		const why = key.message;
		if (/encrypted/i.test(why) || /passphrase/i.test(why)) {
			throw new MachinistError(`The SSH key ${source} is protected by a passphrase: load it into ssh-agent (ssh-add) and connect with the agent instead`);
		}

		throw new MachinistError(`The SSH key ${source} cannot be read as a private key (${why}); give an OpenSSH or PEM private key`);
	}

	if (!key.isPrivateKey()) throw new MachinistError(`${source} is a public key; give the private key file (without .pub)`);
	return key;
}

/** Checks and reads a private key file, ready for an SSH connection. */
export async function readPrivateKey(file: string): Promise<{data: Buffer; key: ParsedKey}> {
	await checkPrivateKeyFile(file);
	const data = await readFile(file);
	return {data, key: parsePrivateKey(data, file)};
}

/** The authorized_keys line for a private key file (`ssh-keygen -y`), keeping its comment. */
export async function publicKeyOf(privateKeyPath: string): Promise<string> {
	const {key} = await readPrivateKey(privateKeyPath);
	return publicKeyLine(key);
}

export function publicKeyLine(key: ParsedKey): string {
	const line = `${key.type} ${key.getPublicSSH().toString('base64')}`;
	return key.comment ? `${line} ${key.comment}` : line;
}
