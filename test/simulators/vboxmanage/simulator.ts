/**
 * A stand-in for VirtualBox's VBoxManage, only because VirtualBox cannot run here. It follows
 * the documented commands and arguments machinist and docker-machine use, prints what
 * VirtualBox prints (`--machinereadable` key=value lines, `list` blocks, progress lines) and its
 * error texts (an unknown VM, a VM locked by a running session, a host-only range refused since
 * 6.1.28), and keeps its registry on disk in $VBOX_SIMULATOR_HOME.
 *
 * Its VMs are real: `startvm` boots the VM's disk in QEMU (TCG). NIC 1 in NAT mode is QEMU's
 * user network (10.0.2.0/24, as VirtualBox's NAT) with a host forward per `natpf1` rule; a
 * host-only NIC is a tap device on a bridge named like VirtualBox's host interface (vboxnet0)
 * in this computer's network namespace, carrying the host's address, and a DHCP server of the
 * `dhcpserver` commands is dnsmasq on that bridge. Each bridge's range also gets an unreachable
 * route with a higher metric, so nothing for it leaves this computer once the bridge is gone.
 *
 * Where QEMU differs from VirtualBox on purpose: hard disks are virtio disks (the test image's
 * initramfs has virtio_blk only; a real Debian cloud image boots from VirtualBox's SATA too),
 * DVDs are ATAPI drives on the q35 AHCI controller, and the serial console goes to Logs/VBox.log,
 * the log VirtualBox users are pointed at. Shared folders are recorded but not served: QEMU has
 * no VirtualBox guest device.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {randomBytes, randomUUID} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {withQmp} from '../../../source/engine/vm/qmp.js';

export const homeVariable = 'VBOX_SIMULATOR_HOME';
const systemPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

type Nic = {
	type: 'none' | 'nat' | 'hostonly';
	nicType: string;
	mac: string;
	cable: boolean;
	promisc: string;
	hostOnlyAdapter: string;
	/** natpf rules: `name,proto,hostip,hostport,guestip,guestport`. */
	forwards: string[];
};

type Attachment = {controller: string; port: number; device: number; type: 'hdd' | 'dvddrive'; medium: string};

type Vm = {
	uuid: string;
	name: string;
	folder: string;
	ostype: string;
	memory: number;
	cpus: number;
	settings: Record<string, string>;
	nics: Record<string, Nic>;
	controllers: Array<{name: string; bus: string}>;
	attachments: Attachment[];
	sharedFolders: Array<{name: string; hostPath: string; automount: boolean}>;
	extraData: Record<string, string>;
	guestProperties: Record<string, string>;
	/** Whether the last run was paused (QEMU's `stop`). */
	paused: boolean;
	stateChanged: string;
};

type HostOnlyIf = {name: string; ip: string; mask: string; mac: string};
type DhcpServer = {netName: string; ip: string; mask: string; lower: string; upper: string; enabled: boolean};
type Medium = {uuid: string; path: string; format: string};

type State = {
	vms: Vm[];
	hostOnlyIfs: HostOnlyIf[];
	dhcpServers: DhcpServer[];
	media: Medium[];
	/** Unreachable routes this simulator added, to take away at cleanup. */
	routes: string[];
};

export class VBoxError extends Error {
	constructor(
		readonly lines: string[],
		readonly code = 1,
	) {
		super(lines[0]);
	}
}

function vboxError(...lines: string[]): VBoxError {
	return new VBoxError(lines.map(line => `VBoxManage: error: ${line}`));
}

function syntaxError(message: string): VBoxError {
	return new VBoxError([`VBoxManage: error: ${message}`], 2);
}

export function simulatorHome(env: NodeJS.ProcessEnv = process.env): string {
	const home = env[homeVariable];
	if (!home) throw new Error(`${homeVariable} is not set: the VBoxManage simulator keeps its state there`);
	return home;
}

function statePath(home: string): string {
	return path.join(home, 'state.json');
}

export function loadState(home: string): State {
	try {
		return JSON.parse(fs.readFileSync(statePath(home), 'utf8')) as State;
	} catch {
		return {vms: [], hostOnlyIfs: [], dhcpServers: [], media: [], routes: []};
	}
}

function saveState(home: string, state: State): void {
	fs.mkdirSync(home, {recursive: true});
	const temporary = `${statePath(home)}.${process.pid}`;
	fs.writeFileSync(temporary, JSON.stringify(state, undefined, '\t'));
	fs.renameSync(temporary, statePath(home));
}

function sh(command: string, args: string[]): {code: number; output: string} {
	const result = spawnSync(command, args, {encoding: 'utf8', env: {PATH: systemPath}});
	return {code: result.status ?? 1, output: `${result.stdout ?? ''}${result.stderr ?? ''}`};
}

function shChecked(command: string, args: string[]): string {
	const result = sh(command, args);
	if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.output.trim()}`);
	return result.output;
}

function ipToNumber(ip: string): number {
	return ip.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
}

function prefixOf(mask: string): number {
	return ipToNumber(mask).toString(2).replaceAll('0', '').length;
}

function networkOf(ip: string, mask: string): string {
	const size = 2 ** (32 - prefixOf(mask));
	const network = Math.floor(ipToNumber(ip) / size) * size;
	return `${[24, 16, 8, 0].map(shift => Math.floor(network / 2 ** shift) % 256).join('.')}/${prefixOf(mask)}`;
}

function inRange(ip: string, cidr: string): boolean {
	const [base = '', bits = '32'] = cidr.split('/');
	const size = 2 ** (32 - Number(bits));
	return Math.floor(ipToNumber(ip) / size) === Math.floor(ipToNumber(base) / size);
}

/**
 * VirtualBox 6.1.28+ on Linux: host-only addresses only in 192.168.56.0/21, plus the ranges
 * /etc/vbox/networks.conf lists (`* 10.0.0.0/8 192.168.0.0/16`); here that file is in the
 * simulator's home.
 */
function allowedRanges(home: string): string[] {
	const ranges = ['192.168.56.0/21'];
	const conf = fs.existsSync(path.join(home, 'networks.conf')) ? fs.readFileSync(path.join(home, 'networks.conf'), 'utf8') : '';
	for (const line of conf.split('\n')) {
		const words = line.trim().split(/\s+/);
		if (words[0] === '*') ranges.push(...words.slice(1).filter(word => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(word)));
	}

	return ranges;
}

function randomMac(): string {
	return `080027${randomBytes(3).toString('hex').toUpperCase()}`;
}

function colonMac(mac: string): string {
	return mac.toLowerCase().match(/../g)!.join(':');
}

function findVm(state: State, nameOrUuid: string | undefined): Vm {
	const vm = state.vms.find(candidate => candidate.name === nameOrUuid || candidate.uuid === nameOrUuid);
	if (!vm) {
		throw vboxError(
			`Could not find a registered machine named '${nameOrUuid ?? ''}'`,
			'Details: code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001), component VirtualBoxWrap, interface IVirtualBox, callee nsISupports',
			'Context: "FindMachine(Bstr(a->argv[0]).raw(), machine.asOutParam())" at line 2917 of file VBoxManageInfo.cpp',
		);
	}

	return vm;
}

function lockedError(vm: Vm, context: string): VBoxError {
	return vboxError(
		`The machine '${vm.name}' is already locked for a session (or being unlocked)`,
		'Details: code VBOX_E_INVALID_OBJECT_STATE (0x80bb0007), component MachineWrap, interface IMachine, callee nsISupports',
		`Context: "${context}" at line 531 of file VBoxManageModifyVM.cpp`,
	);
}

function runtimeFile(home: string, vm: Vm, suffix: string): string {
	return path.join(home, 'run', `${vm.uuid.slice(0, 8)}.${suffix}`);
}

function pidOf(home: string, vm: Vm): number | undefined {
	const text = fs.existsSync(runtimeFile(home, vm, 'pid')) ? fs.readFileSync(runtimeFile(home, vm, 'pid'), 'utf8') : '';
	const pid = Number.parseInt(text, 10);
	if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
	const commandLine = fs.existsSync(`/proc/${pid}/cmdline`) ? fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
	return commandLine.includes(vm.uuid) ? pid : undefined;
}

function vmState(home: string, vm: Vm): 'running' | 'paused' | 'poweroff' {
	if (pidOf(home, vm) === undefined) return 'poweroff';
	return vm.paused ? 'paused' : 'running';
}

function tapName(vm: Vm, slot: string): string {
	return `vbt${vm.uuid.slice(0, 8)}n${slot}`;
}

function removeTaps(vm: Vm): void {
	for (const slot of Object.keys(vm.nics)) sh('ip', ['link', 'del', tapName(vm, slot)]);
}

function option(args: string[], name: string): string | undefined {
	const index = args.indexOf(name);
	if (index !== -1) return args[index + 1];
	const joined = args.find(arg => arg.startsWith(`${name}=`));
	return joined?.slice(name.length + 1);
}

function required(args: string[], name: string, command: string): string {
	const value = option(args, name);
	if (value === undefined) throw syntaxError(`${command}: missing ${name}`);
	return value;
}

// ---------------------------------------------------------------------------------------------

function showvminfo(home: string, state: State, args: string[]): string {
	const vm = findVm(state, args[0]);
	if (!args.includes('--machinereadable')) {
		return `Name:                        ${vm.name}\nUUID:                        ${vm.uuid}\nState:                       ${vmState(home, vm)}\n`;
	}

	const lines = [
		`name="${vm.name}"`,
		'groups="/"',
		`ostype="${vm.ostype}"`,
		`UUID="${vm.uuid}"`,
		`CfgFile="${path.join(vm.folder, `${vm.name}.vbox`)}"`,
		`SnapFldr="${path.join(vm.folder, 'Snapshots')}"`,
		`LogFldr="${path.join(vm.folder, 'Logs')}"`,
		`memory=${vm.memory}`,
		`cpus=${vm.cpus}`,
		...Object.entries(vm.settings).map(([key, value]) => `${key}="${value}"`),
		`VMState="${vmState(home, vm)}"`,
		`VMStateChangeTime="${vm.stateChanged}"`,
	];
	for (const controller of vm.controllers) {
		lines.push(`storagecontrollername${vm.controllers.indexOf(controller)}="${controller.name}"`);
		for (const attachment of vm.attachments.filter(item => item.controller === controller.name)) {
			lines.push(`"${controller.name}-${attachment.port}-${attachment.device}"="${attachment.medium}"`);
		}
	}

	for (let slot = 1; slot <= 8; slot++) {
		const nic = vm.nics[String(slot)];
		if (!nic || nic.type === 'none') {
			lines.push(`nic${slot}="none"`);
			continue;
		}

		if (nic.type === 'nat') lines.push(`natnet${slot}="nat"`);
		lines.push(
			`macaddress${slot}="${nic.mac}"`,
			`cableconnected${slot}="${nic.cable ? 'on' : 'off'}"`,
			`nic${slot}="${nic.type}"`,
			`nictype${slot}="${nic.nicType}"`,
		);
		if (nic.type === 'hostonly') lines.push(`hostonlyadapter${slot}="${nic.hostOnlyAdapter}"`, `nicpromisc${slot}="${nic.promisc}"`);
		for (const [index, rule] of nic.forwards.entries()) lines.push(`Forwarding(${index})="${rule}"`);
	}

	for (const [index, folder] of vm.sharedFolders.entries()) {
		lines.push(`SharedFolderNameMachineMapping${index + 1}="${folder.name}"`, `SharedFolderPathMachineMapping${index + 1}="${folder.hostPath}"`);
	}

	return `${lines.join('\n')}\n`;
}

function list(home: string, state: State, args: string[]): string {
	switch (args[0]) {
		case 'vms': {
			return state.vms.map(vm => `"${vm.name}" {${vm.uuid}}\n`).join('');
		}

		case 'runningvms': {
			return state.vms
				.filter(vm => vmState(home, vm) !== 'poweroff')
				.map(vm => `"${vm.name}" {${vm.uuid}}\n`)
				.join('');
		}

		case 'hostonlyifs': {
			return state.hostOnlyIfs
				.map(
					item =>
						`Name:            ${item.name}\nGUID:            786f6276-656e-4074-8000-${item.mac.replaceAll(':', '')}\nDHCP:            Disabled\nIPAddress:       ${item.ip}\nNetworkMask:     ${item.mask}\nIPV6Address:     \nIPV6NetworkMaskPrefixLength: 0\nHardwareAddress: ${item.mac}\nMediumType:      Ethernet\nWireless:        No\nStatus:          ${item.ip ? 'Up' : 'Down'}\nVBoxNetworkName: HostInterfaceNetworking-${item.name}\n\n`,
				)
				.join('');
		}

		case 'dhcpservers': {
			return state.dhcpServers
				.map(
					server =>
						`NetworkName:    ${server.netName}\nDhcpd IP:       ${server.ip}\nLowerIPAddress: ${server.lower}\nUpperIPAddress: ${server.upper}\nNetworkMask:    ${server.mask}\nEnabled:        ${server.enabled ? 'Yes' : 'No'}\n\n`,
				)
				.join('');
		}

		default: {
			throw syntaxError(`Unknown subcommand '${args[0] ?? ''}'`);
		}
	}
}

function createvm(state: State, args: string[]): string {
	const name = required(args, '--name', 'createvm');
	const base = option(args, '--basefolder') ?? path.join(process.env.HOME ?? '/root', 'VirtualBox VMs');
	if (state.vms.some(vm => vm.name === name) || fs.existsSync(path.join(base, name, `${name}.vbox`))) {
		throw vboxError(
			`Machine settings file '${path.join(base, name, `${name}.vbox`)}' already exists`,
			'Details: code VBOX_E_FILE_ERROR (0x80bb0004), component MachineWrap, interface IMachine, callee nsISupports',
		);
	}

	const vm: Vm = {
		uuid: randomUUID(),
		name,
		folder: path.join(base, name),
		ostype: option(args, '--ostype') ?? 'Other',
		memory: 128,
		cpus: 1,
		settings: {},
		nics: {'1': {type: 'nat', nicType: '82540EM', mac: randomMac(), cable: true, promisc: 'deny', hostOnlyAdapter: '', forwards: []}},
		controllers: [],
		attachments: [],
		sharedFolders: [],
		extraData: {},
		guestProperties: {},
		paused: false,
		stateChanged: new Date().toISOString(),
	};
	fs.mkdirSync(path.join(vm.folder, 'Logs'), {recursive: true});
	fs.writeFileSync(
		path.join(vm.folder, `${name}.vbox`),
		`<?xml version="1.0"?>\n<!-- VBoxManage simulator: the registry is ${homeVariable}/state.json -->\n<Machine uuid="{${vm.uuid}}" name="${name}"/>\n`,
	);
	if (args.includes('--register')) state.vms.push(vm);
	return `Virtual machine '${name}' is created${args.includes('--register') ? ' and registered' : ''}.\nUUID: ${vm.uuid}\nSettings file: '${path.join(vm.folder, `${name}.vbox`)}'\n`;
}

function nicOf(vm: Vm, slot: string): Nic {
	vm.nics[slot] ??= {type: 'none', nicType: '82540EM', mac: randomMac(), cable: true, promisc: 'deny', hostOnlyAdapter: '', forwards: []};
	return vm.nics[slot];
}

function addForward(nic: Nic, rule: string): void {
	const [name = '', protocol = '', hostIp = '', hostPort = '', guestIp = '', guestPort = ''] = rule.split(',');
	if (!name || !/^(tcp|udp)$/.test(protocol) || !hostPort || !guestPort) throw syntaxError(`Invalid NAT rule '${rule}'`);
	if (nic.forwards.some(existing => existing.split(',')[0] === name)) {
		throw vboxError(
			`A NAT rule of this name already exists`,
			'Details: code NS_ERROR_INVALID_ARG (0x80070057), component NATEngineWrap, interface INATEngine',
		);
	}

	nic.forwards.push([name, protocol, hostIp, hostPort, guestIp, guestPort].join(','));
}

function deleteForward(nic: Nic, name: string | undefined): void {
	const before = nic.forwards.length;
	nic.forwards = nic.forwards.filter(rule => rule.split(',')[0] !== name);
	if (nic.forwards.length === before) throw vboxError('Code NS_ERROR_INVALID_ARG (0x80070057) - Invalid argument value (extended info not available)');
}

function modifyvm(home: string, state: State, args: string[]): string {
	const vm = findVm(state, args[0]);
	if (vmState(home, vm) !== 'poweroff') throw lockedError(vm, 'LockMachine(a->session, LockType_Write)');
	for (let index = 1; index < args.length; index += 2) {
		const flag = args[index]!;
		const value = args[index + 1];
		if (value === undefined) throw syntaxError(`Missing argument to '${flag}'`);
		const nicFlag = /^--(nic|nictype|cableconnected|nicpromisc|hostonlyadapter|macaddress|natpf)(\d)$/.exec(flag);
		if (nicFlag) {
			const nic = nicOf(vm, nicFlag[2]!);
			switch (nicFlag[1]) {
				case 'nic': {
					if (!['none', 'nat', 'hostonly'].includes(value)) throw syntaxError(`Invalid type '${value}' specfied for NIC ${nicFlag[2]!}`);
					nic.type = value as Nic['type'];
					break;
				}

				case 'nictype': {
					nic.nicType = value;
					break;
				}

				case 'cableconnected': {
					nic.cable = value === 'on';
					break;
				}

				case 'nicpromisc': {
					nic.promisc = value;
					break;
				}

				case 'hostonlyadapter': {
					nic.hostOnlyAdapter = value;
					break;
				}

				case 'macaddress': {
					nic.mac = value === 'auto' ? randomMac() : value.toUpperCase();
					break;
				}

				default: {
					// `--natpf1 delete NAME` takes two words.
					if (value === 'delete') deleteForward(nic, args[++index + 1]);
					else addForward(nic, value);
				}
			}

			continue;
		}

		switch (flag) {
			case '--memory': {
				vm.memory = Number(value);
				break;
			}

			case '--cpus': {
				vm.cpus = Number(value);
				break;
			}

			case '--ostype': {
				vm.ostype = value;
				break;
			}

			default: {
				vm.settings[flag.replace(/^--/, '')] = value;
			}
		}
	}

	return '';
}

function storagectl(state: State, args: string[]): string {
	const vm = findVm(state, args[0]);
	const name = required(args, '--name', 'storagectl');
	const bus = required(args, '--add', 'storagectl');
	if (vm.controllers.some(controller => controller.name === name)) throw vboxError(`Storage controller named '${name}' already exists`);
	vm.controllers.push({name, bus});
	return '';
}

function registerMedium(state: State, file: string, format: string): Medium {
	const existing = state.media.find(medium => medium.path === file);
	if (existing) return existing;
	const medium = {uuid: randomUUID(), path: file, format};
	state.media.push(medium);
	return medium;
}

function storageattach(state: State, args: string[]): string {
	const vm = findVm(state, args[0]);
	const controller = required(args, '--storagectl', 'storageattach');
	if (!vm.controllers.some(item => item.name === controller)) throw vboxError(`Could not find a controller named '${controller}'`);
	const port = Number(required(args, '--port', 'storageattach'));
	const device = Number(option(args, '--device') ?? '0');
	const medium = required(args, '--medium', 'storageattach');
	vm.attachments = vm.attachments.filter(item => !(item.controller === controller && item.port === port && item.device === device));
	if (medium === 'none' || medium === 'emptydrive') return '';
	const file = path.resolve(medium);
	if (!fs.existsSync(file)) {
		throw vboxError(
			`Could not find file for the medium '${file}' (VERR_FILE_NOT_FOUND)`,
			'Details: code VBOX_E_FILE_ERROR (0x80bb0004), component MediumWrap, interface IMedium, callee nsISupports',
		);
	}

	const type = required(args, '--type', 'storageattach') as Attachment['type'];
	registerMedium(state, file, type === 'hdd' ? path.extname(file).slice(1).toUpperCase() : 'RAW');
	vm.attachments.push({controller, port, device, type, medium: file});
	return '';
}

function qemuImg(args: string[]): void {
	const result = sh('qemu-img', args);
	if (result.code !== 0) throw vboxError(`VD: error ${result.output.trim()}`);
}

function convertfromraw(state: State, args: string[]): string {
	const positional = args.filter((arg, index) => !arg.startsWith('--') && !args[index - 1]?.startsWith('--'));
	if (positional[0] === 'stdin') throw syntaxError('convertfromraw stdin: not supported by this simulator');
	const [input, output] = positional;
	if (!input || !output) throw syntaxError('convertfromraw: need an input and an output file');
	const format = (option(args, '--format') ?? 'VDI').toUpperCase();
	if (!fs.existsSync(input)) throw vboxError(`Cannot open the raw disk '${input}': VERR_FILE_NOT_FOUND`);
	if (fs.existsSync(output)) throw vboxError(`Cannot create the disk image "${output}": VERR_ALREADY_EXISTS`);
	qemuImg(['convert', '-f', 'raw', '-O', format.toLowerCase(), input, output]);
	registerMedium(state, path.resolve(output), format);
	return `Converting from raw image file="${input}" to file="${output}"...\nCreating dynamic image with size ${fs.statSync(input).size} bytes (${Math.ceil(fs.statSync(input).size / 1024 / 1024)}MB)...\n`;
}

/** qemu-img cannot grow a VDI in place: a new, larger VDI gets the old one's blocks. */
function modifymedium(state: State, args: string[]): string {
	const positional = args.filter((arg, index) => !arg.startsWith('--') && !args[index - 1]?.startsWith('--'));
	const file = path.resolve(positional.at(-1) ?? '');
	if (!fs.existsSync(file)) throw vboxError(`Could not find file for the medium '${file}' (VERR_FILE_NOT_FOUND)`);
	const resize = option(args, '--resize');
	if (resize !== undefined) {
		const info = JSON.parse(shChecked('qemu-img', ['info', '--output=json', file])) as {'virtual-size': number; format: string};
		const bytes = Number(resize) * 1024 * 1024;
		if (bytes < info['virtual-size'])
			throw vboxError('Shrinking is not yet supported for medium', `Resize medium operation for this format is not implemented yet!`);
		const grown = `${file}.grow`;
		qemuImg(['create', '-q', '-f', info.format, grown, String(bytes)]);
		qemuImg(['convert', '-n', '-f', info.format, '-O', info.format, file, grown]);
		fs.renameSync(grown, file);
		registerMedium(state, file, info.format.toUpperCase());
		return '0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n';
	}

	return '';
}

function sharedfolder(state: State, args: string[]): string {
	const [action, vmName] = args;
	const vm = findVm(state, vmName);
	const name = required(args, '--name', 'sharedfolder');
	if (action === 'add') {
		vm.sharedFolders.push({name, hostPath: required(args, '--hostpath', 'sharedfolder'), automount: args.includes('--automount')});
	} else if (action === 'remove') {
		vm.sharedFolders = vm.sharedFolders.filter(folder => folder.name !== name);
	} else throw syntaxError(`sharedfolder: unknown action '${action ?? ''}'`);
	return '';
}

// --- host-only networks -----------------------------------------------------------------------

function hostonlyif(home: string, state: State, args: string[]): string {
	switch (args[0]) {
		case 'create': {
			// The lowest free name, as VirtualBox picks it; another program's vboxnetN counts too.
			const taken = (candidate: string) => state.hostOnlyIfs.some(item => item.name === candidate) || sh('ip', ['link', 'show', candidate]).code === 0;
			let index = 0;
			while (taken(`vboxnet${index}`)) index++;
			const name = `vboxnet${index}`;
			shChecked('ip', ['link', 'add', name, 'type', 'bridge']);
			shChecked('ip', ['link', 'set', name, 'up']);
			const [link] = JSON.parse(shChecked('ip', ['-j', 'link', 'show', name])) as Array<{address: string}>;
			const mac = link!.address;
			state.hostOnlyIfs.push({name, ip: '', mask: '', mac});
			return `0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\nInterface '${name}' was successfully created\n`;
		}

		case 'ipconfig': {
			const item = state.hostOnlyIfs.find(candidate => candidate.name === args[1]);
			if (!item) throw vboxError(`Could not find interface '${args[1] ?? ''}'`);
			const ip = required(args, '--ip', 'hostonlyif ipconfig');
			const mask = option(args, '--netmask') ?? '255.255.255.0';
			if (!allowedRanges(home).some(range => inRange(ip, range))) {
				throw vboxError(
					'Code E_ACCESSDENIED (0x80070005) - Access denied (extended info not available)',
					'Context: "EnableStaticIPConfig(Bstr(pszIp).raw(), Bstr(pszNetmask).raw())" at line 242 of file VBoxManageHostonly.cpp',
				);
			}

			sh('ip', ['addr', 'flush', 'dev', item.name]);
			shChecked('ip', ['addr', 'add', `${ip}/${prefixOf(mask)}`, 'dev', item.name]);
			const network = networkOf(ip, mask);
			// With the bridge gone, its range must not follow the default route out of this computer.
			shChecked('ip', ['route', 'replace', 'unreachable', network, 'metric', '4242']);
			if (!state.routes.includes(network)) state.routes.push(network);
			item.ip = ip;
			item.mask = mask;
			return '';
		}

		case 'remove': {
			const item = state.hostOnlyIfs.find(candidate => candidate.name === args[1]);
			if (!item) throw vboxError(`Could not find interface '${args[1] ?? ''}'`);
			sh('ip', ['link', 'del', item.name]);
			state.hostOnlyIfs = state.hostOnlyIfs.filter(candidate => candidate !== item);
			return `0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n`;
		}

		default: {
			throw syntaxError(`Unknown subcommand '${args[0] ?? ''}'`);
		}
	}
}

function dhcpserver(home: string, state: State, args: string[]): string {
	const action = args[0];
	const netName =
		option(args, '--netname') ??
		option(args, '--network') ??
		(option(args, '--ifname') ? `HostInterfaceNetworking-${option(args, '--ifname')!}` : undefined);
	if (!netName) throw syntaxError('dhcpserver: you need to specify either --network or --interface');
	const existing = state.dhcpServers.find(server => server.netName === netName);
	switch (action) {
		case 'add':
		case 'modify': {
			if (action === 'add' && existing) throw vboxError('DHCP server already exists');
			if (action === 'modify' && !existing) throw vboxError('DHCP server does not exist');
			const server = existing ?? {netName, ip: '', mask: '', lower: '', upper: '', enabled: false};
			server.ip = option(args, '--ip') ?? option(args, '--server-ip') ?? server.ip;
			server.mask = option(args, '--netmask') ?? server.mask;
			server.lower = option(args, '--lowerip') ?? option(args, '--lower-ip') ?? server.lower;
			server.upper = option(args, '--upperip') ?? option(args, '--upper-ip') ?? server.upper;
			if (args.includes('--enable')) server.enabled = true;
			if (args.includes('--disable')) server.enabled = false;
			if (!existing) state.dhcpServers.push(server);
			// VirtualBox restarts a running DHCP server with its new settings.
			if (dnsmasqPid(home, netName) !== undefined) {
				stopDnsmasq(home, netName);
				startDnsmasq(home, state, netName);
			}

			return '';
		}

		case 'remove': {
			if (!existing) throw vboxError('DHCP server does not exist');
			stopDnsmasq(home, netName);
			state.dhcpServers = state.dhcpServers.filter(server => server !== existing);
			return '';
		}

		default: {
			throw syntaxError(`Unknown subcommand '${action ?? ''}'`);
		}
	}
}

function dnsmasqPidFile(home: string, netName: string): string {
	return path.join(home, 'run', `dhcp-${netName}.pid`);
}

function dnsmasqPid(home: string, netName: string): number | undefined {
	const file = dnsmasqPidFile(home, netName);
	const pid = fs.existsSync(file) ? Number.parseInt(fs.readFileSync(file, 'utf8'), 10) : Number.NaN;
	if (!Number.isSafeInteger(pid)) return undefined;
	const commandLine = fs.existsSync(`/proc/${pid}/cmdline`) ? fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
	return commandLine.includes(file) ? pid : undefined;
}

function stopDnsmasq(home: string, netName: string): void {
	const pid = dnsmasqPid(home, netName);
	if (pid !== undefined) process.kill(pid, 'SIGTERM');
	fs.rmSync(dnsmasqPidFile(home, netName), {force: true});
}

/** The host-only DHCP server: no router and no DNS, as VirtualBox's, so the NAT NIC keeps the default route. */
function startDnsmasq(home: string, state: State, netName: string): void {
	const server = state.dhcpServers.find(candidate => candidate.netName === netName);
	const bridge = netName.replace(/^HostInterfaceNetworking-/, '');
	if (!server?.enabled || dnsmasqPid(home, netName) !== undefined) return;
	fs.mkdirSync(path.join(home, 'run'), {recursive: true});
	shChecked('dnsmasq', [
		'--conf-file=/dev/null',
		`--pid-file=${dnsmasqPidFile(home, netName)}`,
		`--interface=${bridge}`,
		'--bind-interfaces',
		'--except-interface=lo',
		'--port=0',
		`--dhcp-range=${server.lower},${server.upper},${server.mask},1h`,
		'--dhcp-option=option:router',
		'--dhcp-option=option:dns-server',
		`--dhcp-leasefile=${path.join(home, 'run', `dhcp-${bridge}.leases`)}`,
		'--dhcp-authoritative',
		`--log-facility=${path.join(home, `dhcp-${bridge}.log`)}`,
	]);
}

// --- running VMs ------------------------------------------------------------------------------

const nicModels: Record<string, string> = {
	'82540EM': 'e1000',
	'82543GC': 'e1000',
	'82545EM': 'e1000',
	virtio: 'virtio-net-pci',
	Am79C970A: 'pcnet',
	Am79C973: 'pcnet',
};

function startvm(home: string, state: State, args: string[]): string {
	const vm = findVm(state, args[0]);
	if (vmState(home, vm) !== 'poweroff')
		throw lockedError(vm, 'LaunchVMProcess(a->session, sessionType.raw(), ComSafeArrayAsInParam(aBstrEnv), progress.asOutParam())');
	const type = option(args, '--type') ?? 'gui';
	if (!['gui', 'headless', 'sdl', 'separate'].includes(type)) throw syntaxError(`Invalid session type '${type}'`);
	fs.mkdirSync(path.join(home, 'run'), {recursive: true});
	fs.mkdirSync(path.join(vm.folder, 'Logs'), {recursive: true});
	const qemu = [
		'-name',
		`vbox-sim-${vm.name},process=vbox-sim-${vm.uuid}`,
		'-uuid',
		vm.uuid,
		'-machine',
		'q35',
		'-accel',
		'tcg',
		'-smp',
		String(vm.cpus),
		'-m',
		String(vm.memory),
	];
	for (const [index, attachment] of vm.attachments.entries()) {
		if (attachment.type === 'hdd') {
			const format = path.extname(attachment.medium).slice(1).toLowerCase();
			qemu.push('-drive', `if=virtio,file=${attachment.medium},format=${format === 'vmdk' || format === 'vdi' ? format : 'raw'}`);
		} else {
			qemu.push(
				'-drive',
				`if=none,id=dvd${index},file=${attachment.medium},format=raw,media=cdrom,readonly=on`,
				'-device',
				`ide-cd,drive=dvd${index},bus=ide.${index % 6}`,
			);
		}
	}

	removeTaps(vm);
	for (const [slot, nic] of Object.entries(vm.nics)) {
		if (nic.type === 'none') continue;
		const model = nicModels[nic.nicType] ?? 'e1000';
		if (nic.type === 'nat') {
			const forwards = nic.forwards.map(rule => {
				const [, protocol, hostIp, hostPort, guestIp, guestPort] = rule.split(',');
				return `hostfwd=${protocol!}:${hostIp ?? ''}:${hostPort!}-${guestIp ?? ''}:${guestPort!}`;
			});
			qemu.push('-netdev', ['user', `id=net${slot}`, 'net=10.0.2.0/24', ...forwards].join(','));
		} else {
			const adapter = state.hostOnlyIfs.find(item => item.name === nic.hostOnlyAdapter);
			if (!adapter || sh('ip', ['link', 'show', adapter.name]).code !== 0) {
				throw vboxError(
					`Failed to open/create the internal network 'HostInterfaceNetworking-${nic.hostOnlyAdapter}' (VERR_INTNET_FLT_IF_NOT_FOUND).`,
					`Failed to attach the network LUN (VERR_INTNET_FLT_IF_NOT_FOUND)`,
				);
			}

			startDnsmasq(home, state, `HostInterfaceNetworking-${adapter.name}`);
			const tap = tapName(vm, slot);
			shChecked('ip', ['tuntap', 'add', 'dev', tap, 'mode', 'tap']);
			shChecked('ip', ['link', 'set', tap, 'master', adapter.name]);
			shChecked('ip', ['link', 'set', tap, 'up']);
			qemu.push('-netdev', `tap,id=net${slot},ifname=${tap},script=no,downscript=no`);
		}

		qemu.push('-device', `${model},netdev=net${slot},mac=${colonMac(nic.mac)}`);
	}

	qemu.push(
		'-serial',
		`file:${path.join(vm.folder, 'Logs', 'VBox.log')}`,
		'-display',
		'none',
		'-monitor',
		'none',
		'-qmp',
		`unix:${runtimeFile(home, vm, 'qmp')},server=on,wait=off`,
		'-pidfile',
		runtimeFile(home, vm, 'pid'),
		'-daemonize',
	);
	const result = spawnSync('qemu-system-x86_64', qemu, {encoding: 'utf8', env: {PATH: systemPath}});
	if (result.status !== 0) {
		removeTaps(vm);
		throw vboxError(`The VM session was aborted.`, `Details: ${(result.stderr || result.error?.message || '').trim()}`);
	}

	vm.paused = false;
	vm.stateChanged = new Date().toISOString();
	return `Waiting for VM "${vm.name}" to power on...\nVM "${vm.name}" has been successfully started.\n`;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (fs.existsSync(`/proc/${pid}`)) {
		if (Date.now() > deadline) return false;
		await new Promise(resolve => {
			setTimeout(resolve, 100);
		});
	}

	return true;
}

async function powerOff(home: string, vm: Vm): Promise<void> {
	const pid = pidOf(home, vm);
	if (pid !== undefined) {
		await withQmp(runtimeFile(home, vm, 'qmp'), async client => client.execute('quit'), {timeoutMs: 3000}).catch(() => undefined);
		if (!(await waitForExit(pid, 5000))) {
			process.kill(pid, 'SIGKILL');
			await waitForExit(pid, 5000);
		}
	}

	removeTaps(vm);
	vm.stateChanged = new Date().toISOString();
}

async function controlvm(home: string, state: State, args: string[]): Promise<string> {
	const vm = findVm(state, args[0]);
	const action = args[1];
	const running = vmState(home, vm) !== 'poweroff';
	if (!running) {
		throw vboxError(
			`Machine '${vm.name}' is not currently running`,
			'Details: code VBOX_E_INVALID_VM_STATE (0x80bb0002), component SessionMachine, interface IMachine',
		);
	}

	const qmp = async (command: string) => withQmp(runtimeFile(home, vm, 'qmp'), async client => client.execute(command), {timeoutMs: 5000});
	switch (action) {
		case 'acpipowerbutton': {
			await qmp('system_powerdown');
			return '';
		}

		case 'poweroff': {
			await powerOff(home, vm);
			return '0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n';
		}

		case 'pause': {
			await qmp('stop');
			vm.paused = true;
			return '';
		}

		case 'resume': {
			await qmp('cont');
			vm.paused = false;
			return '';
		}

		default: {
			throw syntaxError(`Invalid parameter '${action ?? ''}'`);
		}
	}
}

function unregistervm(home: string, state: State, args: string[]): string {
	const vm = findVm(state, args[0]);
	if (vmState(home, vm) !== 'poweroff') throw lockedError(vm, 'UnregisterMachine');
	removeTaps(vm);
	state.vms = state.vms.filter(candidate => candidate !== vm);
	if (args.includes('--delete') || args.includes('--delete-all')) {
		// --delete removes the VM's hard disks, settings and logs; DVD images stay.
		for (const attachment of vm.attachments.filter(item => item.type === 'hdd')) {
			fs.rmSync(attachment.medium, {force: true});
			state.media = state.media.filter(medium => medium.path !== attachment.medium);
		}

		fs.rmSync(vm.folder, {recursive: true, force: true});
		return '0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n';
	}

	return '';
}

/** Runs one VBoxManage command line; gives stdout, or throws a VBoxError. */
export async function vboxManage(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
	const home = simulatorHome(env);
	const [command, ...rest] = args;
	if (command === '--version' || command === '-v') return '7.0.14r161095\n';
	const state = loadState(home);
	let output: string;
	switch (command) {
		case 'list': {
			return list(home, state, rest);
		}

		case 'showvminfo': {
			return showvminfo(home, state, rest);
		}

		case 'createvm': {
			output = createvm(state, rest);
			break;
		}

		case 'modifyvm': {
			output = modifyvm(home, state, rest);
			break;
		}

		case 'storagectl': {
			output = storagectl(state, rest);
			break;
		}

		case 'storageattach': {
			output = storageattach(state, rest);
			break;
		}

		case 'convertfromraw': {
			output = convertfromraw(state, rest);
			break;
		}

		case 'modifymedium':
		case 'modifyhd': {
			output = modifymedium(state, rest[0] === 'disk' ? rest.slice(1) : rest);
			break;
		}

		case 'sharedfolder': {
			output = sharedfolder(state, rest);
			break;
		}

		case 'setextradata': {
			findVm(state, rest[0]).extraData[rest[1] ?? ''] = rest[2] ?? '';
			output = '';
			break;
		}

		case 'guestproperty': {
			if (rest[0] !== 'set') throw syntaxError(`guestproperty: unsupported '${rest[0] ?? ''}'`);
			findVm(state, rest[1]).guestProperties[rest[2] ?? ''] = rest[3] ?? '';
			output = '';
			break;
		}

		case 'hostonlyif': {
			output = hostonlyif(home, state, rest);
			break;
		}

		case 'dhcpserver': {
			output = dhcpserver(home, state, rest);
			break;
		}

		case 'startvm': {
			output = startvm(home, state, rest);
			break;
		}

		case 'controlvm': {
			output = await controlvm(home, state, rest);
			break;
		}

		case 'unregistervm': {
			output = unregistervm(home, state, rest);
			break;
		}

		default: {
			throw syntaxError(`Invalid command '${command ?? ''}'`);
		}
	}

	saveState(home, state);
	return output;
}

/**
 * Takes away everything a simulator home made on this computer: its QEMU processes, DHCP
 * servers, tap devices, bridges and routes. Tests call it at teardown, whatever happened.
 */
export async function cleanupSimulator(home: string): Promise<void> {
	const state = loadState(home);
	for (const vm of state.vms) await powerOff(home, vm).catch(() => undefined);
	// QEMU processes of VMs no longer registered (a failed create), found by their marker.
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		const commandLine = fs.existsSync(`/proc/${entry}/cmdline`) ? fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8') : '';
		if (commandLine.startsWith('qemu-system') && commandLine.includes(path.join(home, 'run'))) {
			try {
				process.kill(Number(entry), 'SIGKILL');
			} catch {}
		}
	}

	for (const server of state.dhcpServers) stopDnsmasq(home, server.netName);
	for (const item of state.hostOnlyIfs) sh('ip', ['link', 'del', item.name]);
	for (const network of state.routes) sh('ip', ['route', 'del', 'unreachable', network, 'metric', '4242']);
	saveState(home, {...state, hostOnlyIfs: [], routes: [], dhcpServers: []});
}

/** Kept for tests that read the registry as VirtualBox's GUI would show it. */
export function registeredVms(home: string): string[] {
	return loadState(home).vms.map(vm => vm.name);
}

export const simulatorBinDir = path.dirname(new URL(import.meta.url).pathname);

export function isRoot(): boolean {
	return process.getuid?.() === 0;
}

export function hasCommand(name: string): boolean {
	try {
		execFileSync('sh', ['-c', `command -v ${name}`], {env: {PATH: systemPath}, stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
}
