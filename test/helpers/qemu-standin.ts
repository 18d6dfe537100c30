/**
 * A recording stand-in for a QEMU program (`qemu-system-aarch64`, `qemu-system-x86_64`), for
 * the qemu driver's tests of hosts this machine is not (a Mac): a script that writes each
 * command line it is given, daemonizes as QEMU does (the pid file written, the parent gone),
 * answers QMP on the socket it was given, answers SSH's banner on the forwarded port, and prints
 * a kernel line on the serial console unless told to hang under an accelerator.
 */
import {readFile, writeFile} from 'node:fs/promises';
import path from 'node:path';

const script = String.raw`
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const {spawn} = require('node:child_process');
const args = process.argv.slice(2);
const dir = __dirname;
let config = {};
try { config = JSON.parse(fs.readFileSync(path.join(dir, 'standin.json'), 'utf8')); } catch {}
const value = flag => { const index = args.indexOf(flag); return index < 0 ? '' : args[index + 1]; };
if (args[0] === '--version') {
	console.log('QEMU emulator version ' + (config.version || '8.2.1') + '\nCopyright (c) 2003-2023 Fabrice Bellard and the QEMU Project developers');
	process.exit(0);
}
const pidFile = value('-pidfile');
if (!process.env.QEMU_STANDIN_CHILD) {
	fs.appendFileSync(path.join(dir, 'calls.jsonl'), JSON.stringify(args) + '\n');
	if (!args.includes('-daemonize')) { console.error('qemu stand-in: only -daemonize runs are played'); process.exit(1); }
	const child = spawn(process.execPath, [__filename, ...args], {detached: true, stdio: 'ignore', env: {...process.env, QEMU_STANDIN_CHILD: '1'}});
	child.unref();
	const started = Date.now();
	const wait = () => {
		if (fs.existsSync(pidFile)) process.exit(0);
		if (Date.now() - started > 10000) { console.error('qemu stand-in: the daemon did not start'); process.exit(1); }
		setTimeout(wait, 20);
	};
	wait();
} else {
	const servers = [];
	const quit = () => { try { fs.rmSync(pidFile); } catch {} process.exit(0); };
	const qmp = net.createServer(socket => {
		socket.write('{"QMP": {"version": {"qemu": {"micro": 1, "minor": 2, "major": 8}}, "capabilities": []}}\r\n');
		let buffer = '';
		socket.on('data', chunk => {
			buffer += chunk.toString();
			let newline;
			while ((newline = buffer.indexOf('\n')) >= 0) {
				const command = JSON.parse(buffer.slice(0, newline));
				buffer = buffer.slice(newline + 1);
				const reply = command.execute === 'query-status' ? {status: 'running', running: true} : {};
				socket.write(JSON.stringify({return: reply}) + '\r\n');
				if (command.execute === 'quit' || command.execute === 'system_powerdown') setTimeout(quit, 50);
			}
		});
		socket.on('error', () => {});
	});
	servers.push([qmp, /^unix:([^,]+)/.exec(value('-qmp'))[1]]);
	for (const match of value('-netdev').matchAll(/hostfwd=tcp:127\.0\.0\.1:(\d+)-:22\b/g)) {
		servers.push([net.createServer(socket => { socket.on('error', () => {}); socket.end('SSH-2.0-OpenSSH_9.2 qemu-standin\r\n'); }), Number(match[1])]);
	}
	let listening = 0;
	for (const [server, where] of servers) {
		const ready = () => {
			if (++listening < servers.length) return;
			const hang = config.hangUnder && config.hangUnder === value('-accel');
			fs.writeFileSync(/^file:(.*)$/.exec(value('-serial'))[1], hang ? '' : '[    0.000000] Linux version 6.1.0 (qemu stand-in)\n');
			fs.writeFileSync(pidFile, String(process.pid));
		};
		if (typeof where === 'number') server.listen(where, '127.0.0.1', ready);
		else server.listen(where, ready);
	}
}
`;

export type QemuStandin = {
	/** The stand-in program's path. */
	program: string;
	/** Each command line it was started with, oldest first. */
	calls(): Promise<string[][]>;
};

/** Writes the stand-in as `dir/name`; `hangUnder` names an accelerator under which the guest prints nothing. */
export async function writeQemuStandin(dir: string, name: string, options: {hangUnder?: string; version?: string} = {}): Promise<QemuStandin> {
	const program = path.join(dir, name);
	await writeFile(program, `#!${process.execPath}\n${script}`, {mode: 0o755});
	await writeFile(path.join(dir, 'standin.json'), JSON.stringify(options));
	return {
		program,
		async calls() {
			const text = await readFile(path.join(dir, 'calls.jsonl'), 'utf8').catch(() => '');
			return text
				.split('\n')
				.filter(Boolean)
				.map(line => JSON.parse(line) as string[]);
		},
	};
}
