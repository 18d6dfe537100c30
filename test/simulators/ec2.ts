/**
 * A stand-in for the Amazon EC2 Query API (version 2016-11-15), only because the real cloud
 * cannot be reached from the tests. It speaks what the AWS SDK sends — POST form bodies with
 * `Action=…&Version=2016-11-15`, lists as `Name.1`, filters as `Filter.1.Name`/`Filter.1.Value.1` —
 * and answers XML in the EC2 namespace, errors as `<Response><Errors><Error><Code>…` with HTTP
 * 400 (401 for AuthFailure, 403 for SignatureDoesNotMatch), for exactly the actions the amazonec2
 * driver uses. Every request's SigV4 signature is checked, with the signer the AWS SDK itself signs
 * with, against the secret key of the access key id it names: a wrong secret gets what EC2 answers.
 *
 * Every instance is a real test host (see helpers/hosts.ts). At its first boot cloud-init's work is
 * done as on the AMI: the image's default user (`ubuntu` for the Ubuntu AMIs) with passwordless
 * sudo and the key pair's key, and root's key answering only "Please login as the user …".
 * Stop, start and reboot take the host down and boot it for real. Instances go pending → running,
 * stopping → stopped, shutting-down → terminated as the host does; terminated ones stay listed,
 * as on EC2.
 */
import {createHash, createHmac, randomBytes, randomUUID, timingSafeEqual, type Hash, type Hmac} from 'node:crypto';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {setTimeout as delay} from 'node:timers/promises';
import {SignatureV4} from '@smithy/signature-v4';
import {startTestHost, type TestHost, type TestHostKind} from '../helpers/hosts.js';

export const defaultVpcId = 'vpc-0a1b2c3d4e5f60718';
export const ubuntuAmi = 'ami-0e2c8caa4b6378d8c';

export type SimInstance = {
	id: string;
	state: 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';
	imageId: string;
	instanceType: string;
	keyName: string;
	zone: string;
	subnetId: string;
	vpcId: string;
	groupIds: string[];
	tags: Record<string, string>;
	associatePublicIp: boolean;
	iamInstanceProfile: string;
	httpTokens: string;
	rootSize: number;
	userData: string;
	spotRequestId: string;
	host?: TestHost;
	/** A state change under way (the API refuses nothing for it, but tests may await it). */
	busy?: Promise<void>;
};

export type InstanceFaults = {
	/** Stays `pending` forever (no host is started: it would never be reachable anyway). */
	neverRunning?: boolean;
	/** Becomes `running` but its sshd never answers (a broken image, a firewall). */
	sshNeverUp?: boolean;
};

export type SimSecurityGroup = {
	id: string;
	name: string;
	description: string;
	vpcId: string;
	tags: Record<string, string>;
	ingress: Array<{protocol: string; from: number; to: number; cidr: string; sourceGroup?: string}>;
};
export type SimKeyPair = {name: string; id: string; publicKey: string};
export type SimSpotRequest = {id: string; state: 'open' | 'active' | 'cancelled'; instanceId: string; price: string};

export type Ec2SimulatorOptions = {
	accessKeyId?: string;
	hostKind?: TestHostKind;
	/** From launch (or start) to running, at least. Default 1000 ms. */
	runningDelayMs?: number;
	/** From stop/terminate to stopped/terminated. Default 300 ms. */
	stopDelayMs?: number;
};

export type Ec2RequestRecord = {action: string; status: number; params: Record<string, string>};

export type Ec2Simulator = {
	/** The endpoint to give as --amazonec2-endpoint. */
	url: string;
	accessKeyId: string;
	secretAccessKey: string;
	instances(): SimInstance[];
	keyPairs(): SimKeyPair[];
	securityGroups(): SimSecurityGroup[];
	spotRequests(): SimSpotRequest[];
	/** What a machine left behind: live instances, key pairs and security groups other than the default. */
	leftovers(): string[];
	requests: Ec2RequestRecord[];
	problems: string[];
	/** What goes wrong with the next launched instance; used up by that launch. */
	nextInstance: InstanceFaults;
	close(): Promise<void>;
};

class Ec2Error extends Error {
	constructor(
		readonly code: string,
		message: string,
		readonly status = 400,
	) {
		super(message);
	}
}

function escapeXml(text: string): string {
	return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

type XmlValue = string | number | boolean | undefined | XmlValue[] | {[name: string]: XmlValue};

/** Objects become elements, arrays become `<item>` lists, undefined is left out. */
function xml(value: XmlValue): string {
	if (value === undefined) return '';
	if (Array.isArray(value)) return value.map(item => `<item>${xml(item)}</item>`).join('');
	if (typeof value === 'object') {
		return Object.entries(value)
			.filter(([, child]) => child !== undefined)
			.map(([name, child]) => `<${name}>${xml(child)}</${name}>`)
			.join('');
	}

	return escapeXml(String(value));
}

/** `Prefix.1`, `Prefix.2`, … in order. */
function list(params: URLSearchParams, prefix: string): string[] {
	const values: string[] = [];
	for (let index = 1; params.has(`${prefix}.${index}`); index++) values.push(params.get(`${prefix}.${index}`)!);
	return values;
}

function filters(params: URLSearchParams): Map<string, string[]> {
	const result = new Map<string, string[]>();
	for (let index = 1; params.has(`Filter.${index}.Name`); index++) result.set(params.get(`Filter.${index}.Name`)!, list(params, `Filter.${index}.Value`));
	return result;
}

function globMatch(pattern: string, text: string): boolean {
	return new RegExp(
		`^${pattern
			.split('*')
			.map(part => part.replaceAll(/[.+?^${}()|[\]\\]/g, String.raw`\$&`))
			.join('.*')}$`,
	).test(text);
}

/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape the SDK's signer asks for. */
export class Sha256 {
	private readonly hash: Hash | Hmac;

	constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
		this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
	}

	update(data: string | ArrayBuffer | ArrayBufferView): void {
		this.hash.update(bytes(data));
	}

	async digest(): Promise<Uint8Array> {
		return this.hash.digest();
	}
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): Buffer {
	if (typeof data === 'string') return Buffer.from(data, 'utf8');
	if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
	return Buffer.from(data);
}

const authorizationPattern =
	/^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([^/\s]+)\/([^/\s]+)\/aws4_request, ?SignedHeaders=([a-z\d;-]+), ?Signature=([\da-f]{64})$/;

/**
 * Checks a request's SigV4 signature as EC2 does: the key id must be known, and the signature
 * that the SDK's own signer computes over the headers the client signed, with that key's secret,
 * must be the one sent.
 */
async function checkSignature(request: http.IncomingMessage, body: Buffer, credentials: {accessKeyId: string; secretAccessKey: string}): Promise<void> {
	const {authorization} = request.headers;
	if (authorization === undefined) throw new Ec2Error('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
	const match = authorizationPattern.exec(authorization);
	if (!match) throw new Ec2Error('IncompleteSignature', `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.`);
	const [, keyId, , region, , signedHeaders, signature] = match;
	if (keyId !== credentials.accessKeyId) throw new Ec2Error('AuthFailure', 'AWS was not able to validate the provided access credentials', 401);
	const date = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(String(request.headers['x-amz-date'] ?? ''));
	if (!date) throw new Ec2Error('IncompleteSignature', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
	const headers: Record<string, string> = {};
	for (const name of signedHeaders!.split(';')) {
		const value = request.headers[name];
		headers[name] = Array.isArray(value) ? value.join(',') : (value ?? '');
	}

	const signatureMismatch = new Ec2Error(
		'SignatureDoesNotMatch',
		'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
		403,
	);
	// The signer takes a body hash given in this header as it is; EC2 signs the body it received.
	const bodyHash = request.headers['x-amz-content-sha256'];
	if (bodyHash !== undefined && bodyHash !== createHash('sha256').update(body).digest('hex')) throw signatureMismatch;
	const url = new URL(request.url ?? '/', `http://${request.headers.host ?? 'localhost'}`);
	// The service is EC2's own name, not the one the client claims: a request signed for another service does not match.
	const signer = new SignatureV4({credentials, region: region!, service: 'ec2', sha256: Sha256, applyChecksum: false});
	const signed = await signer.sign(
		{
			method: request.method ?? 'POST',
			protocol: 'http:',
			hostname: url.hostname,
			path: url.pathname,
			query: Object.fromEntries(url.searchParams),
			headers,
			body,
		},
		{signingDate: new Date(`${date[1]}-${date[2]}-${date[3]}T${date[4]}:${date[5]}:${date[6]}Z`)},
	);
	const expected = Buffer.from(/Signature=([\da-f]{64})$/.exec(signed.headers.authorization ?? '')?.[1] ?? '');
	const given = Buffer.from(signature!);
	if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw signatureMismatch;
}

const stateCodes: Record<SimInstance['state'], number> = {pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80};
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

export async function startEc2Simulator(options: Ec2SimulatorOptions = {}): Promise<Ec2Simulator> {
	const accessKeyId = options.accessKeyId ?? `AKIA${hex(8).toUpperCase()}`;
	const secretAccessKey = hex(20);
	const runningDelayMs = options.runningDelayMs ?? 1000;
	const stopDelayMs = options.stopDelayMs ?? 300;
	const instances = new Map<string, SimInstance>();
	const keyPairs = new Map<string, SimKeyPair>();
	const spotRequests = new Map<string, SimSpotRequest>();
	const defaultGroup: SimSecurityGroup = {
		id: `sg-${hex(8)}`,
		name: 'default',
		description: 'default VPC security group',
		vpcId: defaultVpcId,
		tags: {},
		ingress: [],
	};
	const groups = new Map<string, SimSecurityGroup>([[defaultGroup.id, defaultGroup]]);
	const subnets = ['a', 'b', 'c'].map((zone, index) => ({
		id: `subnet-0${index}${hex(7)}`,
		zone: `us-east-1${zone}`,
		vpcId: defaultVpcId,
		defaultForAz: true,
		cidr: `172.31.${index * 16}.0/20`,
	}));
	const images = [
		{
			id: ubuntuAmi,
			name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250610',
			owner: '099720109477',
			created: '2025-06-10T12:00:00.000Z',
			user: 'ubuntu',
		},
		{
			id: 'ami-0aaaaaaaaaaaaaaa1',
			name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20240423',
			owner: '099720109477',
			created: '2024-04-23T12:00:00.000Z',
			user: 'ubuntu',
		},
		{id: 'ami-0bbbbbbbbbbbbbbb2', name: 'debian-12-amd64-20250601', owner: '136693071363', created: '2025-06-01T12:00:00.000Z', user: 'admin'},
	];
	const requests: Ec2RequestRecord[] = [];
	const problems: string[] = [];
	const background = new Set<Promise<unknown>>();
	let closed = false;

	const track = (work: Promise<unknown>): void => {
		const tracked = work
			.catch((error: unknown) => {
				problems.push(error instanceof Error ? error.message : String(error));
			})
			.finally(() => background.delete(tracked));
		background.add(tracked);
	};

	const instanceXml = (instance: SimInstance): XmlValue => ({
		instanceId: instance.id,
		imageId: instance.imageId,
		instanceState: {code: stateCodes[instance.state], name: instance.state},
		privateIpAddress: instance.host?.ip,
		ipAddress: instance.associatePublicIp && instance.state === 'running' ? instance.host?.ip : undefined,
		keyName: instance.keyName,
		instanceType: instance.instanceType,
		placement: {availabilityZone: instance.zone},
		subnetId: instance.subnetId,
		vpcId: instance.vpcId,
		groupSet: instance.groupIds.map(id => ({groupId: id, groupName: groups.get(id)?.name})),
		tagSet: Object.entries(instance.tags).map(([key, value]) => ({key, value})),
		instanceLifecycle: instance.spotRequestId ? 'spot' : undefined,
		spotInstanceRequestId: instance.spotRequestId || undefined,
		iamInstanceProfile: instance.iamInstanceProfile ? {arn: `arn:aws:iam::123456789012:instance-profile/${instance.iamInstanceProfile}`} : undefined,
		metadataOptions: {httpTokens: instance.httpTokens, httpEndpoint: 'enabled', state: 'applied'},
	});

	const findInstance = (id: string): SimInstance => {
		const instance = instances.get(id);
		if (!instance) throw new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
		return instance;
	};

	const boot = async (instance: SimInstance, faults: InstanceFaults = {}): Promise<void> => {
		const started = Date.now();
		const host = await startTestHost(options.hostKind ?? 'systemd');
		if (instance.state !== 'pending' || closed) {
			await host.stop();
			return;
		}

		instance.host = host;
		// cloud-init's first-boot work on the AMI: its default user, with passwordless sudo and the
		// key pair's key; root's copy of the key only says whom to log in as (cloud-init's disable_root).
		const {user} = images.find(image => image.id === instance.imageId)!;
		const made = await host.exec(
			`useradd --create-home --shell /bin/bash --groups adm,sudo ${user} && echo '${user} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/90-cloud-init-users && chmod 0440 /etc/sudoers.d/90-cloud-init-users`,
		);
		if (made.code !== 0) throw new Error(`instance ${instance.id}: cloud-init could not make user ${user}: ${made.stderr}`);
		const key = keyPairs.get(instance.keyName);
		if (key) {
			await host.authorizeKey(user, key.publicKey);
			await host.authorizeKey(
				'root',
				String.raw`no-port-forwarding,no-agent-forwarding,no-X11-forwarding,command="echo 'Please login as the user \"${user}\" rather than the user \"root\".';echo;sleep 10;exit 142" ${key.publicKey}`,
			);
		}

		if (faults.sshNeverUp) await host.stopSshd();
		await delay(Math.max(0, runningDelayMs - (Date.now() - started)));
		if (instance.state === 'pending') instance.state = 'running';
	};

	const launch = (params: URLSearchParams, prefix: string, spotRequestId = ''): SimInstance => {
		const get = (name: string): string => params.get(`${prefix}${name}`) ?? '';
		const imageId = get('ImageId');
		if (!images.some(image => image.id === imageId)) throw new Ec2Error('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
		const keyName = get('KeyName');
		if (keyName && !keyPairs.has(keyName)) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${keyName}' does not exist`);
		const subnetId = get('NetworkInterface.1.SubnetId') || get('SubnetId');
		const subnet = subnets.find(candidate => candidate.id === subnetId);
		if (!subnet) throw new Ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${subnetId}' does not exist`);
		const zone = get('Placement.AvailabilityZone');
		if (zone && zone !== subnet.zone)
			throw new Ec2Error(
				'InvalidParameterValue',
				`Value (${zone}) for parameter availabilityZone is invalid. Subnet '${subnetId}' is in the availability zone ${subnet.zone}`,
			);
		const groupIds = list(params, `${prefix}NetworkInterface.1.SecurityGroupId`);
		for (const id of groupIds) if (!groups.has(id)) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
		const instanceType = get('InstanceType') || 'm1.small';
		if (!/^[a-z]\d[a-z-]*\.(nano|micro|small|medium|large|\d*xlarge)$/.test(instanceType))
			throw new Ec2Error('InvalidParameterValue', `Invalid value '${instanceType}' for InstanceType.`);
		const tags: Record<string, string> = {};
		for (let index = 1; params.has(`TagSpecification.1.Tag.${index}.Key`); index++)
			tags[params.get(`TagSpecification.1.Tag.${index}.Key`)!] = params.get(`TagSpecification.1.Tag.${index}.Value`) ?? '';
		const instance: SimInstance = {
			id: `i-0${hex(8)}`,
			state: 'pending',
			imageId,
			instanceType,
			keyName,
			zone: subnet.zone,
			subnetId,
			vpcId: subnet.vpcId,
			groupIds,
			tags,
			associatePublicIp: get('NetworkInterface.1.AssociatePublicIpAddress') !== 'false',
			iamInstanceProfile: get('IamInstanceProfile.Name'),
			httpTokens: prefix ? 'optional' : (params.get('MetadataOptions.HttpTokens') ?? 'optional'),
			rootSize: Number(get('BlockDeviceMapping.1.Ebs.VolumeSize') || 8),
			userData: Buffer.from(get('UserData'), 'base64').toString(),
			spotRequestId,
		};
		instances.set(instance.id, instance);
		const faults = simulator.nextInstance;
		simulator.nextInstance = {};
		if (!faults.neverRunning) track(boot(instance, faults));
		return instance;
	};

	const transition = (instance: SimInstance, via: SimInstance['state'], to: SimInstance['state'], work: () => Promise<void>): void => {
		instance.state = via;
		const busy = (async () => {
			const started = Date.now();
			await work();
			await delay(Math.max(0, (via === 'pending' ? runningDelayMs : stopDelayMs) - (Date.now() - started)));
			if (instance.state === via) instance.state = to;
		})();
		instance.busy = busy;
		track(busy);
	};

	const stateChange = (instance: SimInstance, previous: SimInstance['state']): XmlValue => ({
		instanceId: instance.id,
		currentState: {code: stateCodes[instance.state], name: instance.state},
		previousState: {code: stateCodes[previous], name: previous},
	});

	const groupXml = (group: SimSecurityGroup): XmlValue => ({
		ownerId: '123456789012',
		groupId: group.id,
		groupName: group.name,
		groupDescription: group.description,
		vpcId: group.vpcId,
		ipPermissions: group.ingress.map(rule => ({
			ipProtocol: rule.protocol,
			fromPort: rule.from,
			toPort: rule.to,
			...(rule.sourceGroup ? {groups: [{userId: '123456789012', groupId: rule.sourceGroup}], ipRanges: []} : {ipRanges: [{cidrIp: rule.cidr}]}),
		})),
		ipPermissionsEgress: [{ipProtocol: '-1', ipRanges: [{cidrIp: '0.0.0.0/0'}]}],
		tagSet: Object.entries(group.tags).map(([key, value]) => ({key, value})),
	});

	const spotXml = (request: SimSpotRequest): XmlValue => ({
		spotInstanceRequestId: request.id,
		spotPrice: request.price,
		type: 'one-time',
		state: request.state,
		status: {
			code: request.state === 'active' ? 'fulfilled' : request.state === 'cancelled' ? 'request-canceled-and-instance-running' : 'pending-evaluation',
		},
		instanceId: request.instanceId || undefined,
	});

	const handlers: Record<string, (params: URLSearchParams) => XmlValue> = {
		DescribeAccountAttributes: () => ({accountAttributeSet: [{attributeName: 'default-vpc', attributeValueSet: [{attributeValue: defaultVpcId}]}]}),
		DescribeSubnets(params) {
			const ids = list(params, 'SubnetId');
			const wanted = filters(params);
			const missing = ids.find(id => !subnets.some(subnet => subnet.id === id));
			if (missing) throw new Ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${missing}' does not exist`);
			return {
				subnetSet: subnets
					.filter(
						subnet =>
							(ids.length === 0 || ids.includes(subnet.id)) &&
							(wanted.get('availability-zone')?.includes(subnet.zone) ?? true) &&
							(wanted.get('vpc-id')?.includes(subnet.vpcId) ?? true),
					)
					.map(subnet => ({
						subnetId: subnet.id,
						state: 'available',
						vpcId: subnet.vpcId,
						cidrBlock: subnet.cidr,
						availableIpAddressCount: 4091,
						availabilityZone: subnet.zone,
						defaultForAz: subnet.defaultForAz,
						mapPublicIpOnLaunch: true,
					})),
			};
		},
		DescribeImages(params) {
			const ids = list(params, 'ImageId');
			const owners = list(params, 'Owner');
			const names = filters(params).get('name');
			const missing = ids.find(id => !images.some(image => image.id === id));
			if (missing) throw new Ec2Error('InvalidAMIID.NotFound', `The image id '[${missing}]' does not exist`);
			return {
				imagesSet: images
					.filter(
						image =>
							(ids.length === 0 || ids.includes(image.id)) &&
							(owners.length === 0 || owners.includes(image.owner)) &&
							(!names || names.some(pattern => globMatch(pattern, image.name))),
					)
					.map(image => ({
						imageId: image.id,
						name: image.name,
						imageOwnerId: image.owner,
						creationDate: image.created,
						imageState: 'available',
						architecture: 'x86_64',
						rootDeviceName: '/dev/sda1',
						rootDeviceType: 'ebs',
						virtualizationType: 'hvm',
					})),
			};
		},
		DescribeKeyPairs(params) {
			const names = list(params, 'KeyName');
			const missing = names.find(name => !keyPairs.has(name));
			if (missing) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${missing}' does not exist`);
			return {
				keySet: [...keyPairs.values()]
					.filter(key => names.length === 0 || names.includes(key.name))
					.map(key => ({keyPairId: key.id, keyName: key.name, keyFingerprint: 'SHA256:x'})),
			};
		},
		ImportKeyPair(params) {
			const name = params.get('KeyName') ?? '';
			if (keyPairs.has(name)) throw new Ec2Error('InvalidKeyPair.Duplicate', `The keypair already exists: ${name}`);
			const publicKey = Buffer.from(params.get('PublicKeyMaterial') ?? '', 'base64').toString();
			if (!/^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp\d+) [A-Za-z\d+/]+=*( .*)?$/.test(publicKey.trim()))
				throw new Ec2Error('InvalidKey.Format', 'Key is not in valid OpenSSH public key format');
			const key = {name, id: `key-0${hex(8)}`, publicKey: publicKey.trim()};
			keyPairs.set(name, key);
			return {keyName: name, keyPairId: key.id, keyFingerprint: 'SHA256:x'};
		},
		DeleteKeyPair(params) {
			keyPairs.delete(params.get('KeyName') ?? '');
			return {return: true};
		},
		DescribeSecurityGroups(params) {
			const wanted = filters(params);
			return {
				securityGroupInfo: [...groups.values()]
					.filter(group => (wanted.get('group-name')?.includes(group.name) ?? true) && (wanted.get('vpc-id')?.includes(group.vpcId) ?? true))
					.map(groupXml),
			};
		},
		CreateSecurityGroup(params) {
			const name = params.get('GroupName') ?? '';
			const vpcId = params.get('VpcId') ?? defaultVpcId;
			if ([...groups.values()].some(group => group.name === name && group.vpcId === vpcId))
				throw new Ec2Error('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`);
			const tags: Record<string, string> = {};
			for (let index = 1; params.has(`TagSpecification.1.Tag.${index}.Key`); index++)
				tags[params.get(`TagSpecification.1.Tag.${index}.Key`)!] = params.get(`TagSpecification.1.Tag.${index}.Value`) ?? '';
			const group: SimSecurityGroup = {id: `sg-0${hex(8)}`, name, description: params.get('GroupDescription') ?? '', vpcId, tags, ingress: []};
			groups.set(group.id, group);
			return {return: true, groupId: group.id};
		},
		AuthorizeSecurityGroupIngress(params) {
			const group = groups.get(params.get('GroupId') ?? '');
			if (!group) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${params.get('GroupId') ?? ''}' does not exist`);
			for (let index = 1; params.has(`IpPermissions.${index}.IpProtocol`); index++) {
				const sourceGroup = params.get(`IpPermissions.${index}.Groups.1.GroupId`) ?? undefined;
				const cidr = params.get(`IpPermissions.${index}.IpRanges.1.CidrIp`) ?? '';
				// As EC2: a rule names a source, and a source group must exist in the same VPC.
				if (sourceGroup === undefined && cidr === '')
					throw new Ec2Error('MissingParameter', 'The request must contain the parameter ipPermissions.ipRanges or ipPermissions.groups');
				if (sourceGroup !== undefined && groups.get(sourceGroup)?.vpcId !== group.vpcId)
					throw new Ec2Error('InvalidGroup.NotFound', `The security group '${sourceGroup}' does not exist in VPC '${group.vpcId}'`);
				const rule = {
					protocol: params.get(`IpPermissions.${index}.IpProtocol`)!,
					from: Number(params.get(`IpPermissions.${index}.FromPort`)),
					to: Number(params.get(`IpPermissions.${index}.ToPort`)),
					cidr,
					...(sourceGroup ? {sourceGroup} : {}),
				};
				if (
					group.ingress.some(
						existing =>
							existing.protocol === rule.protocol &&
							existing.from === rule.from &&
							existing.cidr === rule.cidr &&
							existing.sourceGroup === rule.sourceGroup,
					)
				) {
					throw new Ec2Error(
						'InvalidPermission.Duplicate',
						`the specified rule "peer: ${sourceGroup ?? rule.cidr}, ${rule.protocol.toUpperCase()}, from port: ${rule.from}, to port: ${rule.to}, ALLOW" already exists`,
					);
				}

				group.ingress.push(rule);
			}

			return {return: true};
		},
		DeleteSecurityGroup(params) {
			const id = params.get('GroupId') ?? '';
			if (!groups.has(id)) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
			if ([...instances.values()].some(instance => instance.state !== 'terminated' && instance.groupIds.includes(id))) {
				throw new Ec2Error('DependencyViolation', `resource ${id} has a dependent object`);
			}

			groups.delete(id);
			return {return: true};
		},
		RunInstances(params) {
			if (params.get('MinCount') !== '1' || params.get('MaxCount') !== '1')
				throw new Ec2Error('InvalidParameterValue', 'machinist simulator: only MinCount=MaxCount=1');
			const instance = launch(params, '');
			return {reservationId: `r-0${hex(8)}`, ownerId: '123456789012', instancesSet: [instanceXml(instance)]};
		},
		RequestSpotInstances(params) {
			const request: SimSpotRequest = {id: `sir-${hex(4)}`, state: 'open', instanceId: '', price: params.get('SpotPrice') ?? ''};
			const instance = launch(params, 'LaunchSpecification.', request.id);
			spotRequests.set(request.id, request);
			track(
				(async () => {
					await delay(200);
					if (request.state === 'open') Object.assign(request, {state: 'active', instanceId: instance.id});
				})(),
			);
			return {spotInstanceRequestSet: [spotXml(request)]};
		},
		DescribeSpotInstanceRequests(params) {
			const ids = list(params, 'SpotInstanceRequestId');
			const missing = ids.find(id => !spotRequests.has(id));
			if (missing) throw new Ec2Error('InvalidSpotInstanceRequestID.NotFound', `The spot instance request ID '${missing}' does not exist`);
			return {spotInstanceRequestSet: [...spotRequests.values()].filter(request => ids.length === 0 || ids.includes(request.id)).map(spotXml)};
		},
		CancelSpotInstanceRequests(params) {
			const ids = list(params, 'SpotInstanceRequestId');
			for (const id of ids) {
				const request = spotRequests.get(id);
				if (request) request.state = 'cancelled';
			}

			return {spotInstanceRequestSet: ids.map(id => ({spotInstanceRequestId: id, state: 'cancelled'}))};
		},
		DescribeInstances(params) {
			const ids = list(params, 'InstanceId');
			for (const id of ids) findInstance(id);
			const found = [...instances.values()].filter(instance => ids.length === 0 || ids.includes(instance.id));
			return {
				reservationSet: found.map(instance => ({
					reservationId: `r-${instance.id.slice(2)}`,
					ownerId: '123456789012',
					instancesSet: [instanceXml(instance)],
				})),
			};
		},
		CreateTags(params) {
			const ids = list(params, 'ResourceId');
			for (const id of ids) {
				const instance = findInstance(id);
				for (let index = 1; params.has(`Tag.${index}.Key`); index++)
					instance.tags[params.get(`Tag.${index}.Key`)!] = params.get(`Tag.${index}.Value`) ?? '';
			}

			return {return: true};
		},
		StartInstances(params) {
			return {
				instancesSet: list(params, 'InstanceId').map(id => {
					const instance = findInstance(id);
					const previous = instance.state;
					if (previous === 'stopped') transition(instance, 'pending', 'running', async () => instance.host?.boot());
					else if (previous !== 'running' && previous !== 'pending')
						throw new Ec2Error('IncorrectInstanceState', `The instance '${id}' is not in a state from which it can be started.`);
					return stateChange(instance, previous);
				}),
			};
		},
		StopInstances(params) {
			return {
				instancesSet: list(params, 'InstanceId').map(id => {
					const instance = findInstance(id);
					const previous = instance.state;
					if (previous === 'running' || previous === 'pending') {
						// EC2 asks the OS to shut down (and stops it after a while); Force pulls the plug.
						const force = params.get('Force') === 'true';
						transition(instance, 'stopping', 'stopped', async () => (force ? instance.host?.powerOff() : instance.host?.shutdown()));
					} else if (previous === 'terminated' || previous === 'shutting-down')
						throw new Ec2Error('IncorrectInstanceState', `This instance '${id}' is not in a state from which it can be stopped.`);
					return stateChange(instance, previous);
				}),
			};
		},
		RebootInstances(params) {
			const rebooting = list(params, 'InstanceId').map(id => {
				const instance = findInstance(id);
				if (instance.state !== 'running')
					throw new Ec2Error('IncorrectInstanceState', `The instance '${id}' is not in a state from which it can be rebooted.`);
				return instance;
			});
			// The OS reboots while EC2 goes on reporting the instance running.
			for (const instance of rebooting) if (instance.host) track(instance.host.reboot());
			return {return: true};
		},
		TerminateInstances(params) {
			return {
				instancesSet: list(params, 'InstanceId').map(id => {
					const instance = findInstance(id);
					const previous = instance.state;
					if (previous !== 'terminated') transition(instance, 'shutting-down', 'terminated', async () => instance.host?.stop());
					return stateChange(instance, previous);
				}),
			};
		},
	};

	const server = http.createServer((request, response) => {
		const chunks: Buffer[] = [];
		request.on('data', (chunk: Buffer) => chunks.push(chunk));
		request.on('end', async () => {
			const body = Buffer.concat(chunks);
			const params = new URLSearchParams(body.toString());
			const action = params.get('Action') ?? '';
			const requestId = randomUUID();
			const send = (status: number, body: string): void => {
				requests.push({action, status, params: Object.fromEntries(params)});
				response.writeHead(status, {'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId});
				response.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
			};

			try {
				if (request.method !== 'POST') throw new Ec2Error('InvalidAction', 'The action or operation requested is invalid: use POST');
				await checkSignature(request, body, {accessKeyId, secretAccessKey});
				if (params.get('Version') !== '2016-11-15') throw new Ec2Error('InvalidParameterValue', `Unsupported Version: ${params.get('Version') ?? ''}`);
				const handler = Object.hasOwn(handlers, action) ? handlers[action] : undefined;
				if (!handler) throw new Ec2Error('InvalidAction', `The action ${action} is not valid for this web service.`);
				const result = handler(params);
				send(
					200,
					`<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${requestId}</requestId>${xml(result)}</${action}Response>`,
				);
			} catch (error) {
				const {code, status, message} = error instanceof Ec2Error ? error : {code: 'InternalError', status: 500, message: String(error)};
				send(
					status,
					`<Response><Errors><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
				);
			}
		});
	});
	await new Promise<void>(resolve => {
		server.listen(0, '127.0.0.1', resolve);
	});
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

	const simulator: Ec2Simulator = {
		url,
		accessKeyId,
		secretAccessKey,
		instances: () => [...instances.values()],
		keyPairs: () => [...keyPairs.values()],
		securityGroups: () => [...groups.values()],
		spotRequests: () => [...spotRequests.values()],
		leftovers: () => [
			...[...instances.values()].filter(instance => instance.state !== 'terminated').map(instance => `instance ${instance.id} (${instance.state})`),
			...[...keyPairs.keys()].map(name => `key pair ${name}`),
			...[...groups.values()].filter(group => group !== defaultGroup).map(group => `security group ${group.name} ${group.id}`),
			...[...spotRequests.values()]
				.filter(request => request.state === 'open' || request.state === 'active')
				.map(request => `spot request ${request.id}`),
		],
		requests,
		problems,
		nextInstance: {},
		async close() {
			closed = true;
			await new Promise<void>(resolve => {
				server.close(() => {
					resolve();
				});
				server.closeAllConnections();
			});
			while (background.size > 0) await Promise.allSettled(background);
			await Promise.allSettled([...instances.values()].map(async instance => instance.host?.stop()));
		},
	};
	return simulator;
}
