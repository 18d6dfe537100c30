// The amazonec2 driver: EC2 instances through the AWS SDK (loaded on first use).
import {readFile} from 'node:fs/promises';
import type {EC2Client, Instance, _InstanceType} from '@aws-sdk/client-ec2';
import {MachinistError} from '../errors.js';
import {boolOption, intOption, listOption, stringOption, type OptionSpec} from '../options.js';
import type {MachineState} from '../machines/state.js';
import {seconds} from '../polling.js';
import type {BaseDriverConfig} from '../store/host.js';
import type {Driver, DriverContext, DriverDefinition} from './driver.js';
import {boolField, listField, numberField, pathOption, portProblem, sshLoginOptions, stringField} from './fields.js';
import {checkUserDataFile, IpSshDriver} from './ip-ssh.js';

/** docker-machine's field names where it had them, so either tool reads the other's machines. */
type AmazonEc2Config = BaseDriverConfig & AmazonEc2Fields;

type AmazonEc2Fields = {
	AccessKey: string;
	SecretKey: string;
	SessionToken: string;
	Region: string;
	AMI: string;
	InstanceType: string;
	Zone: string;
	VpcId: string;
	SubnetId: string;
	SecurityGroupNames: string[];
	SecurityGroupIds: string[];
	/**
	 * Ours: the groups machinist created (by this machine or another; they carry the tag
	 * `machinist:created-by`), which rm deletes once no instance uses them. docker-machine never
	 * deleted any; groups made otherwise (by the user, or docker-machine) are never deleted.
	 */
	CreatedSecurityGroupIds: string[];
	SecurityGroupReadOnly: boolean;
	OpenPorts: string[];
	/** Ours: `manager` or `worker` when create made a swarm-mode node (its ports are opened to the group). */
	SwarmMode: string;
	Tags: string;
	DeviceName: string;
	RootSize: number;
	VolumeType: string;
	IamInstanceProfile: string;
	RequestSpotInstance: boolean;
	SpotPrice: string;
	SpotInstanceRequestId: string;
	PrivateIPOnly: boolean;
	UsePrivateIP: boolean;
	Monitoring: boolean;
	EbsOptimized: boolean;
	UserDataFile: string;
	/** `required` (IMDSv2 only, the default) or `optional`. */
	MetadataHttpTokens: string;
	KeyName: string;
	InstanceId: string;
	PrivateIPAddress: string;
	RetryCount: number;
	Endpoint: string;
};

const defaults = {
	region: 'us-east-1',
	zone: 'a',
	instanceType: 't3.micro',
	rootSize: 16,
	volumeType: 'gp3',
	deviceName: '/dev/sda1',
	securityGroup: 'docker-machine',
	sshUser: 'ubuntu',
};

/**
 * No AMI table: AMI ids change with every Ubuntu point release and differ per region, and a
 * stale table sends users to images without security fixes. Without --amazonec2-ami the driver
 * asks EC2 for Canonical's newest Ubuntu 24.04 LTS amd64 image in the region (DescribeImages,
 * owner 099720109477, the name pattern Canonical documents), which works in every region.
 */
export const ubuntuOwner = '099720109477';
export const ubuntuNamePattern = 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*';

/** Marks the security groups machinist made, so that rm of the last machine using one deletes it. */
const createdByTag = 'machinist:created-by';

const maxUserDataBytes = 16 * 1024;

/** The error code of an AWS SDK service error (`AuthFailure`, `InvalidAMIID.NotFound`, …). */
function awsCode(error: unknown): string {
	if (error && typeof error === 'object') {
		const {Code: code, name} = error as {Code?: unknown; name?: unknown};
		if (typeof code === 'string') return code;
		if (typeof name === 'string') return name;
	}

	return '';
}

function awsMessage(error: unknown): string {
	return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

const credentialCodes = new Set([
	'AuthFailure',
	'InvalidClientTokenId',
	'UnrecognizedClientException',
	'SignatureDoesNotMatch',
	'OptInRequired',
	'UnauthorizedOperation',
	'ExpiredToken',
	'RequestExpired',
]);

/** An SDK error turned into one line that says what to change. */
function explain(error: unknown, action: string): unknown {
	if (error instanceof MachinistError) return error;
	const code = awsCode(error);
	const message = awsMessage(error);
	if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
		return new MachinistError(
			'no AWS credentials found: give --amazonec2-access-key and --amazonec2-secret-key, set $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY, or configure a profile in ~/.aws (AWS_PROFILE)',
		);
	}

	if (code === 'UnauthorizedOperation')
		return new MachinistError(`AWS refused to ${action} (${code}): the credentials lack that permission; grant it in IAM`);
	if (credentialCodes.has(code)) {
		return new MachinistError(
			`AWS rejected the credentials (${code}: ${message}): check --amazonec2-access-key, --amazonec2-secret-key and --amazonec2-session-token (or $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY, your AWS profile)`,
		);
	}

	if (code.startsWith('InvalidAMIID'))
		return new MachinistError(`${message} (${code}): check --amazonec2-ami; an AMI id belongs to one region (--amazonec2-region)`);
	if (code === 'InvalidParameterValue' && /instance ?type/i.test(message)) return new MachinistError(`${message}: check --amazonec2-instance-type`);
	if (code === 'Unsupported' || code === 'InsufficientInstanceCapacity')
		return new MachinistError(`AWS could not ${action}: ${message} (${code}): try another --amazonec2-zone or --amazonec2-instance-type`);
	if (code === 'InvalidSubnetID.NotFound') return new MachinistError(`${message}: check --amazonec2-subnet-id`);
	if (code === 'InvalidVpcID.NotFound') return new MachinistError(`${message}: check --amazonec2-vpc-id`);
	if (code) return new MachinistError(`AWS could not ${action}: ${message} (${code})`);
	return new MachinistError(`AWS could not ${action}: ${message}`);
}

function stateOf(instance: Instance | undefined): string {
	return instance?.State?.Name ?? 'unknown';
}

/** `k1,v1,k2,v2` as docker-machine took them. */
export function tagPairs(tags: string): Array<{Key: string; Value: string}> {
	const parts = tags.split(',').map(part => part.trim());
	if (tags.trim() === '') return [];
	const pairs: Array<{Key: string; Value: string}> = [];
	for (let index = 0; index < parts.length; index += 2) pairs.push({Key: parts[index]!, Value: parts[index + 1] ?? ''});
	return pairs;
}

/** An EC2 instance, made and removed through the EC2 API with the AWS SDK. */
class AmazonEc2Driver extends IpSshDriver<AmazonEc2Config> implements Driver {
	readonly driverName = 'amazonec2';
	private clientPromise: Promise<EC2Client> | undefined;
	/** Commands are made through this so their classes come from the lazily loaded SDK. */
	private sdkPromise: Promise<typeof import('@aws-sdk/client-ec2')> | undefined;

	private async sdk(): Promise<typeof import('@aws-sdk/client-ec2')> {
		this.sdkPromise ??= import('@aws-sdk/client-ec2');
		return this.sdkPromise;
	}

	private async client(): Promise<EC2Client> {
		this.clientPromise ??= this.sdk().then(sdk => {
			const {AccessKey: accessKeyId, SecretKey: secretAccessKey, SessionToken: sessionToken} = this.config;
			return new sdk.EC2Client({
				region: this.config.Region,
				...(this.config.Endpoint ? {endpoint: this.config.Endpoint} : {}),
				// Static keys first; without them the SDK's default chain (env, ~/.aws profiles, SSO, instance role).
				...(accessKeyId && secretAccessKey ? {credentials: {accessKeyId, secretAccessKey, ...(sessionToken ? {sessionToken} : {})}} : {}),
				maxAttempts: this.config.RetryCount < 0 ? 1 : this.config.RetryCount + 1,
			});
		});
		return this.clientPromise;
	}

	/** One EC2 call; errors become one-line MachinistErrors naming what to change. */
	private async call<T>(action: string, make: (sdk: typeof import('@aws-sdk/client-ec2')) => object, signal?: AbortSignal): Promise<T> {
		const sdk = await this.sdk();
		const client = await this.client();
		try {
			return (await client.send(make(sdk) as never, {abortSignal: signal})) as T;
		} catch (error) {
			throw explain(error, action);
		}
	}

	/** Like call, but gives back the raw SDK error code instead of explaining it. */
	private async tryCall<T>(
		make: (sdk: typeof import('@aws-sdk/client-ec2')) => object,
		signal?: AbortSignal,
	): Promise<{ok: true; value: T} | {ok: false; code: string; error: unknown}> {
		const sdk = await this.sdk();
		const client = await this.client();
		try {
			return {ok: true, value: (await client.send(make(sdk) as never, {abortSignal: signal})) as T};
		} catch (error) {
			return {ok: false, code: awsCode(error), error};
		}
	}

	private availabilityZone(): string {
		return `${this.config.Region}${this.config.Zone}`;
	}

	async preCreateCheck(context: DriverContext): Promise<void> {
		const {signal} = context;
		if (this.config.UserDataFile) {
			await checkUserDataFile(this.config.UserDataFile, {flag: 'amazonec2-userdata', cloud: 'EC2', maxBytes: maxUserDataBytes, advice: 'shorten it'});
		}

		// The VPC first: it also proves the credentials, once.
		if (!this.config.VpcId && !this.config.SubnetId) {
			const result = await this.call<import('@aws-sdk/client-ec2').DescribeAccountAttributesResult>(
				'read the account attributes',
				sdk => new sdk.DescribeAccountAttributesCommand({AttributeNames: ['default-vpc']}),
				signal,
			);
			const vpc = result.AccountAttributes?.[0]?.AttributeValues?.[0]?.AttributeValue ?? 'none';
			if (vpc === 'none')
				throw new MachinistError(`the account has no default VPC in ${this.config.Region}: give --amazonec2-vpc-id or --amazonec2-subnet-id`);
			this.config.VpcId = vpc;
		}

		if (this.config.SubnetId) {
			const result = await this.call<import('@aws-sdk/client-ec2').DescribeSubnetsResult>(
				'find the subnet',
				sdk => new sdk.DescribeSubnetsCommand({SubnetIds: [this.config.SubnetId]}),
				signal,
			);
			const subnet = result.Subnets?.[0];
			if (!subnet) throw new MachinistError(`subnet ${this.config.SubnetId} does not exist: check --amazonec2-subnet-id`);
			if (this.config.VpcId && subnet.VpcId !== this.config.VpcId) {
				throw new MachinistError(
					`subnet ${this.config.SubnetId} belongs to ${subnet.VpcId ?? 'another VPC'}, not ${this.config.VpcId}: check --amazonec2-subnet-id and --amazonec2-vpc-id`,
				);
			}

			this.config.VpcId = subnet.VpcId ?? this.config.VpcId;
		} else {
			const result = await this.call<import('@aws-sdk/client-ec2').DescribeSubnetsResult>(
				'list the subnets',
				sdk =>
					new sdk.DescribeSubnetsCommand({
						Filters: [
							{Name: 'availability-zone', Values: [this.availabilityZone()]},
							{Name: 'vpc-id', Values: [this.config.VpcId]},
						],
					}),
				signal,
			);
			const subnets = result.Subnets ?? [];
			const subnet = subnets.find(candidate => candidate.DefaultForAz) ?? subnets[0];
			if (!subnet?.SubnetId)
				throw new MachinistError(
					`VPC ${this.config.VpcId} has no subnet in zone ${this.availabilityZone()}: give --amazonec2-subnet-id, or another --amazonec2-zone`,
				);
			this.config.SubnetId = subnet.SubnetId;
		}

		await this.resolveAmi(signal);

		const keyName = this.config.MachineName;
		const keys = await this.tryCall<import('@aws-sdk/client-ec2').DescribeKeyPairsResult>(
			sdk => new sdk.DescribeKeyPairsCommand({KeyNames: [keyName]}),
			signal,
		);
		if (keys.ok && (keys.value.KeyPairs ?? []).length > 0) {
			throw new MachinistError(`There is already a keypair with the name ${keyName}: delete it in the EC2 console, or choose another machine name`);
		}

		if (!keys.ok && keys.code !== 'InvalidKeyPair.NotFound') throw explain(keys.error, 'look up key pairs');
	}

	/** The AMI: the one given (checked), or Canonical's newest Ubuntu 24.04 LTS in the region. */
	private async resolveAmi(signal?: AbortSignal): Promise<void> {
		if (this.config.AMI) {
			const result = await this.call<import('@aws-sdk/client-ec2').DescribeImagesResult>(
				'find the AMI',
				sdk => new sdk.DescribeImagesCommand({ImageIds: [this.config.AMI]}),
				signal,
			);
			if ((result.Images ?? []).length === 0)
				throw new MachinistError(`AMI ${this.config.AMI} does not exist in ${this.config.Region}: check --amazonec2-ami`);
			return;
		}

		const result = await this.call<import('@aws-sdk/client-ec2').DescribeImagesResult>(
			'find an Ubuntu AMI',
			sdk =>
				new sdk.DescribeImagesCommand({
					Owners: [ubuntuOwner],
					Filters: [
						{Name: 'name', Values: [ubuntuNamePattern]},
						{Name: 'state', Values: ['available']},
					],
				}),
			signal,
		);
		const newest = (result.Images ?? []).filter(image => image.ImageId).sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0];
		if (!newest?.ImageId) throw new MachinistError(`no Ubuntu 24.04 LTS AMI found in ${this.config.Region}: give one with --amazonec2-ami`);
		this.config.AMI = newest.ImageId;
	}

	async create(context: DriverContext): Promise<void> {
		const {signal} = context;
		if (!this.config.AMI || !this.config.SubnetId) await this.preCreateCheck(context);
		const userData = this.config.UserDataFile ? await readFile(this.config.UserDataFile) : undefined;

		this.log(context, 'Creating SSH key...');
		const {createMachineKey} = await import('../ssh/keys.js');
		const pair = await createMachineKey(context.machineDir, this.config.MachineName);
		this.config.SSHKeyPath = pair.privateKeyPath;
		await this.call(
			'import the key pair',
			sdk => new sdk.ImportKeyPairCommand({KeyName: this.config.MachineName, PublicKeyMaterial: Buffer.from(pair.publicKey)}),
			signal,
		);
		this.config.KeyName = this.config.MachineName;

		this.log(context, 'Configuring security groups...');
		await this.configureSecurityGroups(context);

		const tags = [{Key: 'Name', Value: this.config.MachineName}, ...tagPairs(this.config.Tags)];
		const launch = {
			ImageId: this.config.AMI,
			InstanceType: this.config.InstanceType as _InstanceType,
			KeyName: this.config.KeyName,
			Placement: {AvailabilityZone: this.availabilityZone()},
			NetworkInterfaces: [
				{
					DeviceIndex: 0,
					SubnetId: this.config.SubnetId,
					Groups: this.config.SecurityGroupIds,
					AssociatePublicIpAddress: !this.config.PrivateIPOnly,
				},
			],
			Monitoring: {Enabled: this.config.Monitoring},
			EbsOptimized: this.config.EbsOptimized,
			BlockDeviceMappings: [
				{
					DeviceName: this.config.DeviceName,
					Ebs: {VolumeSize: this.config.RootSize, VolumeType: this.config.VolumeType as 'gp3', DeleteOnTermination: true},
				},
			],
			...(this.config.IamInstanceProfile ? {IamInstanceProfile: {Name: this.config.IamInstanceProfile}} : {}),
			...(userData ? {UserData: userData.toString('base64')} : {}),
			MetadataOptions: {HttpTokens: this.config.MetadataHttpTokens as 'required', HttpEndpoint: 'enabled' as const},
		};

		if (this.config.RequestSpotInstance) {
			this.log(context, 'Requesting a spot instance...');
			const {MinCount: _min, MaxCount: _max, MetadataOptions: _metadata, ...spec} = {...launch, MinCount: 1, MaxCount: 1};
			const spot = await this.call<import('@aws-sdk/client-ec2').RequestSpotInstancesResult>(
				'request a spot instance',
				sdk =>
					new sdk.RequestSpotInstancesCommand({
						InstanceCount: 1,
						SpotPrice: this.config.SpotPrice,
						LaunchSpecification: spec,
					}),
				signal,
			);
			this.config.SpotInstanceRequestId = spot.SpotInstanceRequests?.[0]?.SpotInstanceRequestId ?? '';
			this.config.InstanceId = await this.waitForSpot(context);
		} else {
			this.log(context, 'Launching instance...');
			const result = await this.call<import('@aws-sdk/client-ec2').Reservation>(
				'launch the instance',
				sdk =>
					new sdk.RunInstancesCommand({
						...launch,
						MinCount: 1,
						MaxCount: 1,
						TagSpecifications: [{ResourceType: 'instance', Tags: tags}],
					}),
				signal,
			);
			this.config.InstanceId = result.Instances?.[0]?.InstanceId ?? '';
		}

		if (!this.config.InstanceId)
			throw new MachinistError('EC2 accepted the launch but named no instance: look in the EC2 console, then remove the machine with rm');
		this.log(context, `Waiting for instance ${this.config.InstanceId} to be running...`);
		await this.waitFor('running', context);
		if (this.config.RequestSpotInstance) {
			await this.call('tag the instance', sdk => new sdk.CreateTagsCommand({Resources: [this.config.InstanceId], Tags: tags}), signal);
		}

		this.log(context, `Instance ${this.config.InstanceId} is running at ${this.config.IPAddress}`);
	}

	private async waitForSpot(context: DriverContext): Promise<string> {
		const timeoutMs = this.readyTimeoutMs(context);
		return this.poll(
			context,
			async () => {
				const result = await this.call<import('@aws-sdk/client-ec2').DescribeSpotInstanceRequestsResult>(
					'read the spot request',
					sdk => new sdk.DescribeSpotInstanceRequestsCommand({SpotInstanceRequestIds: [this.config.SpotInstanceRequestId]}),
					context.signal,
				);
				const request = result.SpotInstanceRequests?.[0];
				if (request?.InstanceId) return request.InstanceId;
				if (request?.State === 'failed' || request?.State === 'cancelled' || request?.State === 'closed') {
					throw new MachinistError(
						`spot request ${this.config.SpotInstanceRequestId} ${request.State} (${request.Status?.Message ?? request.Status?.Code ?? 'no reason given'}): raise --amazonec2-spot-price, or try another --amazonec2-instance-type`,
					);
				}

				return undefined;
			},
			{
				timeoutMs,
				timedOut: () =>
					new MachinistError(
						`spot request ${this.config.SpotInstanceRequestId} was not fulfilled within ${seconds(timeoutMs)}: raise --amazonec2-spot-price, or drop --amazonec2-request-spot-instance`,
					),
			},
		);
	}

	/** Finds or creates the named groups in the VPC and opens SSH, Docker and any asked-for ports. */
	private async configureSecurityGroups(context: DriverContext): Promise<void> {
		const {signal} = context;
		const names = this.config.SecurityGroupNames.length > 0 ? this.config.SecurityGroupNames : [defaults.securityGroup];
		const found = await this.call<import('@aws-sdk/client-ec2').DescribeSecurityGroupsResult>(
			'list security groups',
			sdk =>
				new sdk.DescribeSecurityGroupsCommand({
					Filters: [
						{Name: 'group-name', Values: names},
						{Name: 'vpc-id', Values: [this.config.VpcId]},
					],
				}),
			signal,
		);
		const groups = [...(found.SecurityGroups ?? [])];
		const ids: string[] = [];
		for (const name of names) {
			let group = groups.find(candidate => candidate.GroupName === name);
			if (!group) {
				this.log(context, `Creating security group ${name} in ${this.config.VpcId}`);
				const created = await this.call<import('@aws-sdk/client-ec2').CreateSecurityGroupResult>(
					`create security group ${name}`,
					sdk =>
						new sdk.CreateSecurityGroupCommand({
							GroupName: name,
							Description: 'Docker Machine',
							VpcId: this.config.VpcId,
							TagSpecifications: [{ResourceType: 'security-group', Tags: [{Key: createdByTag, Value: this.config.MachineName}]}],
						}),
					signal,
				);
				if (!created.GroupId) throw new MachinistError(`EC2 created security group ${name} but gave no id`);
				this.config.CreatedSecurityGroupIds.push(created.GroupId);
				group = {GroupId: created.GroupId, GroupName: name, IpPermissions: []};
			} else if (group.GroupId && group.Tags?.some(tag => tag.Key === createdByTag)) {
				// Made by another machine: the last machine using it deletes it.
				this.config.CreatedSecurityGroupIds.push(group.GroupId);
			}

			ids.push(group.GroupId!);
			if (this.config.SecurityGroupReadOnly) continue;
			// A rule is a port, a protocol and a source: an address range, or a group (`sg-…`).
			const open = new Set(
				(group.IpPermissions ?? []).flatMap(permission => [
					...(permission.IpRanges ?? []).map(range => `${permission.FromPort ?? ''}/${permission.IpProtocol ?? ''}/${range.CidrIp ?? ''}`),
					...(permission.UserIdGroupPairs ?? []).map(pair => `${permission.FromPort ?? ''}/${permission.IpProtocol ?? ''}/${pair.GroupId ?? ''}`),
				]),
			);
			const anywhere = '0.0.0.0/0';
			const wanted = [`${this.config.SSHPort}/tcp/${anywhere}`, `2376/tcp/${anywhere}`];
			if (this.config.SwarmMaster) {
				const port = /:(\d+)$/.exec(this.config.SwarmHost)?.[1] ?? '3376';
				wanted.push(`${port}/tcp/${anywhere}`);
			}

			for (const port of this.config.OpenPorts) wanted.push(`${port.includes('/') ? port : `${port}/tcp`}/${anywhere}`);
			// Swarm mode's ports, only between the machines of this group: gossip (7946), the overlay
			// network's VXLAN (4789), and cluster management (2377) where a manager listens.
			if (this.config.SwarmMode !== '') {
				const swarmPorts = ['7946/tcp', '7946/udp', '4789/udp', ...(this.config.SwarmMode === 'manager' ? ['2377/tcp'] : [])];
				for (const port of swarmPorts) wanted.push(`${port}/${group.GroupId!}`);
			}

			const missing = [...new Set(wanted)].filter(rule => !open.has(rule));
			if (missing.length === 0) continue;
			await this.call(
				`open ports in security group ${name}`,
				sdk =>
					new sdk.AuthorizeSecurityGroupIngressCommand({
						GroupId: group.GroupId,
						IpPermissions: missing.map(rule => {
							const [number, protocol, source] = rule.split('/', 3) as [string, string, string];
							const from = source.startsWith('sg-')
								? {UserIdGroupPairs: [{GroupId: source}]}
								: {IpRanges: [{CidrIp: rule.slice(number.length + protocol.length + 2)}]};
							return {IpProtocol: protocol, FromPort: Number(number), ToPort: Number(number), ...from};
						}),
					}),
				signal,
			);
		}

		this.config.SecurityGroupIds = ids;
	}

	private async describe(signal?: AbortSignal): Promise<Instance | undefined> {
		const result = await this.tryCall<import('@aws-sdk/client-ec2').DescribeInstancesResult>(
			sdk => new sdk.DescribeInstancesCommand({InstanceIds: [this.instanceId()]}),
			signal,
		);
		if (!result.ok) {
			if (result.code === 'InvalidInstanceID.NotFound') return undefined;
			throw explain(result.error, 'read the instance');
		}

		return result.value.Reservations?.[0]?.Instances?.[0];
	}

	private instanceId(): string {
		if (!this.config.InstanceId) {
			throw new MachinistError(`machine ${this.config.MachineName} has no instance (its create failed before one was made): remove it with rm`);
		}

		return this.config.InstanceId;
	}

	private async described(signal?: AbortSignal): Promise<Instance> {
		const instance = await this.describe(signal);
		if (!instance)
			throw new MachinistError(`instance ${this.config.InstanceId} no longer exists on EC2 (terminated outside machinist?): remove the machine with rm`);
		return instance;
	}

	private remember(instance: Instance): void {
		this.config.PrivateIPAddress = instance.PrivateIpAddress ?? this.config.PrivateIPAddress;
		const ip = this.config.PrivateIPOnly || this.config.UsePrivateIP ? instance.PrivateIpAddress : instance.PublicIpAddress;
		if (ip) this.config.IPAddress = ip;
	}

	/** Polls until the instance is in `want` (and, for running, has the address to use). */
	private async waitFor(want: 'running' | 'stopped' | 'terminated', context: DriverContext): Promise<void> {
		const timeoutMs = this.readyTimeoutMs(context);
		let state = '';
		await this.poll(
			context,
			async () => {
				const instance = want === 'terminated' ? await this.describe(context.signal) : await this.described(context.signal);
				state = stateOf(instance);
				if (want === 'terminated' && (!instance || state === 'terminated')) return true;
				if (instance && state === want) {
					this.remember(instance);
					if (want !== 'running' || this.config.IPAddress) return true;
				}

				return undefined;
			},
			{
				timeoutMs,
				timedOut: () =>
					new MachinistError(
						`instance ${this.config.InstanceId} did not become ${want} within ${seconds(timeoutMs)} (state ${state}): look at it in the EC2 console${want === 'running' ? ', or try another --amazonec2-zone' : ''}`,
					),
				stillWaiting: waited => {
					this.log(context, `Instance ${this.config.InstanceId} is still ${state} after ${seconds(waited)}...`);
				},
			},
		);
	}

	/**
	 * Terminates the instance, cancels its spot request, deletes the key pair it imported, and
	 * deletes the security groups machinist created (docker-machine left them behind). A group
	 * another instance still uses is kept, with a note: the last machine using it deletes it.
	 */
	async remove(context: DriverContext): Promise<void> {
		const {signal} = context;
		if (this.config.InstanceId) {
			const result = await this.tryCall(sdk => new sdk.TerminateInstancesCommand({InstanceIds: [this.config.InstanceId]}), signal);
			if (!result.ok) {
				if (result.code !== 'InvalidInstanceID.NotFound') throw explain(result.error, `terminate instance ${this.config.InstanceId}`);
				this.log(context, `EC2 instance ${this.config.InstanceId} doesn't exist, assuming it is already terminated`);
			}
		}

		if (this.config.SpotInstanceRequestId) {
			const result = await this.tryCall(
				sdk => new sdk.CancelSpotInstanceRequestsCommand({SpotInstanceRequestIds: [this.config.SpotInstanceRequestId]}),
				signal,
			);
			if (!result.ok && result.code !== 'InvalidSpotInstanceRequestID.NotFound') throw explain(result.error, 'cancel the spot request');
		}

		if (this.config.KeyName) {
			await this.call('delete the key pair', sdk => new sdk.DeleteKeyPairCommand({KeyName: this.config.KeyName}), signal);
		}

		if (this.config.CreatedSecurityGroupIds.length > 0) {
			// A group cannot go while an instance (even a shutting-down one) is in it.
			if (this.config.InstanceId) await this.waitFor('terminated', context);
			for (const id of this.config.CreatedSecurityGroupIds) {
				const result = await this.tryCall(sdk => new sdk.DeleteSecurityGroupCommand({GroupId: id}), signal);
				if (result.ok || result.code === 'InvalidGroup.NotFound') continue;
				if (result.code === 'DependencyViolation') {
					this.log(context, `Security group ${id} is still used by other instances; keeping it`);
					continue;
				}

				throw explain(result.error, `delete security group ${id}`);
			}
		}
	}

	async start(context: DriverContext): Promise<void> {
		await this.call('start the instance', sdk => new sdk.StartInstancesCommand({InstanceIds: [this.instanceId()]}), context.signal);
		await this.waitFor('running', context);
	}

	async stop(context: DriverContext): Promise<void> {
		await this.call('stop the instance', sdk => new sdk.StopInstancesCommand({InstanceIds: [this.instanceId()], Force: false}), context.signal);
		await this.waitFor('stopped', context);
	}

	async restart(context: DriverContext): Promise<void> {
		await this.call('reboot the instance', sdk => new sdk.RebootInstancesCommand({InstanceIds: [this.instanceId()]}), context.signal);
	}

	async kill(context: DriverContext): Promise<void> {
		await this.call('stop the instance', sdk => new sdk.StopInstancesCommand({InstanceIds: [this.instanceId()], Force: true}), context.signal);
		await this.waitFor('stopped', context);
	}

	async getState(context: DriverContext): Promise<MachineState> {
		const instance = await this.described(context.signal);
		switch (stateOf(instance)) {
			case 'pending': {
				return 'Starting';
			}

			case 'running': {
				return 'Running';
			}

			case 'stopping':
			case 'shutting-down': {
				return 'Stopping';
			}

			case 'stopped': {
				return 'Stopped';
			}

			case 'terminated': {
				return 'Error';
			}

			default: {
				return 'None';
			}
		}
	}

	protected override noAddress(): string {
		return `No IP for instance ${this.config.InstanceId}`;
	}
}

const options: readonly OptionSpec[] = [
	{
		name: 'amazonec2-access-key',
		type: 'string',
		envVar: 'AWS_ACCESS_KEY_ID',
		description: "AWS Access Key (else the AWS SDK's default chain: env, ~/.aws profiles, SSO, instance role)",
	},
	{name: 'amazonec2-secret-key', type: 'string', envVar: 'AWS_SECRET_ACCESS_KEY', description: 'AWS Secret Key'},
	{name: 'amazonec2-session-token', type: 'string', envVar: 'AWS_SESSION_TOKEN', description: 'AWS Session Token', advanced: true},
	{name: 'amazonec2-ami', type: 'string', envVar: 'AWS_AMI', description: "AWS machine image (default: Canonical's newest Ubuntu 24.04 LTS in the region)"},
	{name: 'amazonec2-region', type: 'string', envVar: 'AWS_DEFAULT_REGION', default: defaults.region, description: 'AWS region'},
	{name: 'amazonec2-vpc-id', type: 'string', envVar: 'AWS_VPC_ID', description: "AWS VPC id (default: the account's default VPC)", advanced: true},
	{
		name: 'amazonec2-zone',
		type: 'string',
		envVar: 'AWS_ZONE',
		default: defaults.zone,
		description: 'AWS zone for instance (i.e. a,b,c,d,e)',
		validate: value => (/^[a-z]$/.test(String(value)) ? undefined : `--amazonec2-zone "${String(value)}" is not a zone letter: use a, b, c…`),
	},
	{name: 'amazonec2-subnet-id', type: 'string', envVar: 'AWS_SUBNET_ID', description: 'AWS VPC subnet id', advanced: true},
	{
		name: 'amazonec2-security-group-readonly',
		type: 'bool',
		envVar: 'AWS_SECURITY_GROUP_READONLY',
		description: 'Skip adding default rules to security groups',
		advanced: true,
	},
	{
		name: 'amazonec2-security-group',
		type: 'string-list',
		envVar: 'AWS_SECURITY_GROUP',
		default: [defaults.securityGroup],
		description: 'AWS VPC security group (repeatable)',
		advanced: true,
	},
	{
		name: 'amazonec2-open-port',
		type: 'string-list',
		description: 'Make the specified port number accessible from the Internet (port[/tcp|udp], repeatable)',
		advanced: true,
		validate: value =>
			(Array.isArray(value) ? value.find(port => !/^\d{1,5}(\/(tcp|udp))?$/.test(port)) : undefined) === undefined
				? undefined
				: '--amazonec2-open-port takes PORT or PORT/tcp or PORT/udp',
	},
	{
		name: 'amazonec2-tags',
		type: 'string',
		envVar: 'AWS_TAGS',
		description: 'AWS Tags (e.g. key1,value1,key2,value2)',
		advanced: true,
		validate: value =>
			String(value).split(',').length % 2 === 0 || String(value) === '' ? undefined : '--amazonec2-tags takes key,value pairs: key1,value1,key2,value2',
	},
	{name: 'amazonec2-instance-type', type: 'string', envVar: 'AWS_INSTANCE_TYPE', default: defaults.instanceType, description: 'AWS instance type'},
	{
		name: 'amazonec2-device-name',
		type: 'string',
		envVar: 'AWS_DEVICE_NAME',
		default: defaults.deviceName,
		description: 'AWS root device name',
		advanced: true,
	},
	{
		name: 'amazonec2-root-size',
		type: 'int',
		envVar: 'AWS_ROOT_SIZE',
		default: defaults.rootSize,
		description: 'AWS root disk size (in GB)',
		validate: value => (Number(value) >= 8 ? undefined : '--amazonec2-root-size must be at least 8 (GB)'),
	},
	{
		name: 'amazonec2-volume-type',
		type: 'string',
		envVar: 'AWS_VOLUME_TYPE',
		default: defaults.volumeType,
		description: 'Amazon EBS volume type',
		advanced: true,
	},
	{name: 'amazonec2-iam-instance-profile', type: 'string', envVar: 'AWS_INSTANCE_PROFILE', description: 'AWS IAM Instance Profile', advanced: true},
	{
		name: 'amazonec2-ssh-port',
		type: 'int',
		envVar: 'AWS_SSH_PORT',
		default: 22,
		description: 'SSH port',
		format: 'port',
		advanced: true,
		validate: value => portProblem('amazonec2-ssh-port', value),
	},
	{name: 'amazonec2-ssh-user', type: 'string', envVar: 'AWS_SSH_USER', default: defaults.sshUser, description: 'SSH username', advanced: true},
	{name: 'amazonec2-request-spot-instance', type: 'bool', description: 'Set this flag to request spot instance', advanced: true},
	{name: 'amazonec2-spot-price', type: 'string', default: '0.50', description: 'AWS spot instance bid price (in dollar)', advanced: true},
	{name: 'amazonec2-private-address-only', type: 'bool', description: 'Only use a private IP address', advanced: true},
	{name: 'amazonec2-use-private-address', type: 'bool', description: 'Force the usage of private IP address', advanced: true},
	{name: 'amazonec2-monitoring', type: 'bool', description: 'Set this flag to enable CloudWatch monitoring', advanced: true},
	{name: 'amazonec2-use-ebs-optimized-instance', type: 'bool', description: 'Create an EBS optimized instance', advanced: true},
	{
		name: 'amazonec2-metadata-http-tokens',
		type: 'string',
		envVar: 'AWS_METADATA_HTTP_TOKENS',
		default: 'required',
		description: 'Instance metadata service: required (IMDSv2 only) or optional',
		advanced: true,
		validate: value => (value === 'required' || value === 'optional' ? undefined : '--amazonec2-metadata-http-tokens takes required or optional'),
	},
	{name: 'amazonec2-retries', type: 'int', default: 5, description: 'Set retry count for recoverable failures (use -1 to disable)', advanced: true},
	{
		name: 'amazonec2-endpoint',
		type: 'string',
		envVar: 'AWS_ENDPOINT',
		description: 'Optional endpoint URL (hostname only or fully qualified URI)',
		format: 'url',
		advanced: true,
	},
	{name: 'amazonec2-userdata', type: 'string', envVar: 'AWS_USERDATA', description: 'path to file with cloud-init user data', format: 'file', advanced: true},
];

function fieldsFrom(config: BaseDriverConfig): AmazonEc2Fields {
	return {
		AccessKey: stringField(config, 'AccessKey'),
		SecretKey: stringField(config, 'SecretKey'),
		SessionToken: stringField(config, 'SessionToken'),
		Region: stringField(config, 'Region', defaults.region),
		AMI: stringField(config, 'AMI'),
		InstanceType: stringField(config, 'InstanceType', defaults.instanceType),
		Zone: stringField(config, 'Zone', defaults.zone),
		VpcId: stringField(config, 'VpcId'),
		SubnetId: stringField(config, 'SubnetId'),
		SecurityGroupNames: listField(config, 'SecurityGroupNames'),
		SecurityGroupIds: listField(config, 'SecurityGroupIds'),
		CreatedSecurityGroupIds: listField(config, 'CreatedSecurityGroupIds'),
		SecurityGroupReadOnly: boolField(config, 'SecurityGroupReadOnly'),
		OpenPorts: listField(config, 'OpenPorts'),
		SwarmMode: stringField(config, 'SwarmMode'),
		Tags: stringField(config, 'Tags'),
		DeviceName: stringField(config, 'DeviceName', defaults.deviceName),
		RootSize: numberField(config, 'RootSize', defaults.rootSize),
		VolumeType: stringField(config, 'VolumeType', defaults.volumeType),
		IamInstanceProfile: stringField(config, 'IamInstanceProfile'),
		RequestSpotInstance: boolField(config, 'RequestSpotInstance'),
		SpotPrice: stringField(config, 'SpotPrice', '0.50'),
		SpotInstanceRequestId: stringField(config, 'SpotInstanceRequestId'),
		PrivateIPOnly: boolField(config, 'PrivateIPOnly'),
		UsePrivateIP: boolField(config, 'UsePrivateIP'),
		Monitoring: boolField(config, 'Monitoring'),
		EbsOptimized: boolField(config, 'EbsOptimized'),
		UserDataFile: stringField(config, 'UserDataFile'),
		MetadataHttpTokens: stringField(config, 'MetadataHttpTokens', 'required'),
		KeyName: stringField(config, 'KeyName'),
		InstanceId: stringField(config, 'InstanceId'),
		PrivateIPAddress: stringField(config, 'PrivateIPAddress'),
		RetryCount: numberField(config, 'RetryCount', 5),
		Endpoint: stringField(config, 'Endpoint'),
	};
}

const definition: DriverDefinition = {
	name: 'amazonec2',
	description: 'An instance on Amazon EC2, made through the EC2 API with your AWS credentials; rm terminates it.',
	options,
	fromOptions(base, values) {
		return new AmazonEc2Driver({
			...base,
			...sshLoginOptions(values, 'amazonec2'),
			// create's own flags, as docker-machine's SetConfigFromFlags read them: the swarm port is opened for a master.
			SwarmMaster: boolOption(values, 'swarm-master'),
			SwarmHost: stringOption(values, 'swarm-host') || base.SwarmHost,
			SwarmDiscovery: stringOption(values, 'swarm-discovery') || base.SwarmDiscovery,
			...fieldsFrom({} as BaseDriverConfig),
			AccessKey: stringOption(values, 'amazonec2-access-key'),
			SecretKey: stringOption(values, 'amazonec2-secret-key'),
			SessionToken: stringOption(values, 'amazonec2-session-token'),
			Region: stringOption(values, 'amazonec2-region'),
			AMI: stringOption(values, 'amazonec2-ami'),
			InstanceType: stringOption(values, 'amazonec2-instance-type'),
			Zone: stringOption(values, 'amazonec2-zone'),
			VpcId: stringOption(values, 'amazonec2-vpc-id'),
			SubnetId: stringOption(values, 'amazonec2-subnet-id'),
			SecurityGroupNames: listOption(values, 'amazonec2-security-group'),
			SecurityGroupReadOnly: boolOption(values, 'amazonec2-security-group-readonly'),
			OpenPorts: listOption(values, 'amazonec2-open-port'),
			SwarmMode: stringOption(values, 'swarm-mode'),
			Tags: stringOption(values, 'amazonec2-tags'),
			DeviceName: stringOption(values, 'amazonec2-device-name'),
			RootSize: intOption(values, 'amazonec2-root-size'),
			VolumeType: stringOption(values, 'amazonec2-volume-type'),
			IamInstanceProfile: stringOption(values, 'amazonec2-iam-instance-profile'),
			RequestSpotInstance: boolOption(values, 'amazonec2-request-spot-instance'),
			SpotPrice: stringOption(values, 'amazonec2-spot-price'),
			PrivateIPOnly: boolOption(values, 'amazonec2-private-address-only'),
			UsePrivateIP: boolOption(values, 'amazonec2-use-private-address'),
			Monitoring: boolOption(values, 'amazonec2-monitoring'),
			EbsOptimized: boolOption(values, 'amazonec2-use-ebs-optimized-instance'),
			UserDataFile: pathOption(values, 'amazonec2-userdata'),
			MetadataHttpTokens: stringOption(values, 'amazonec2-metadata-http-tokens'),
			RetryCount: intOption(values, 'amazonec2-retries'),
			Endpoint: stringOption(values, 'amazonec2-endpoint'),
		});
	},
	fromConfig(config) {
		return new AmazonEc2Driver({...config, ...fieldsFrom(config)});
	},
};

export default definition;
