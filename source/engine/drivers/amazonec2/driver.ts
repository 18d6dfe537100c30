// An EC2 instance, made and removed through the EC2 API with the AWS SDK.
import {readFile} from 'node:fs/promises';
import type {_InstanceType} from '@aws-sdk/client-ec2';
import {MachinistError} from '../../errors.js';
import type {MachineState} from '../../state.js';
import {seconds} from '../../polling.js';
import type {DriverContext} from '../../driver-context.js';
import type {Driver} from '../driver.js';
import {checkUserDataFile} from '../ip-ssh.js';
import {Ec2Api, stateOf} from './api.js';
import {createdByTag, defaults, maxUserDataBytes, ubuntuNamePattern, ubuntuOwner} from './config.js';
import {explain} from './errors.js';
import {tagPairs} from './options.js';

/** An EC2 instance, made and removed through the EC2 API with the AWS SDK. */
export class AmazonEc2Driver extends Ec2Api implements Driver {
	readonly driverName = 'amazonec2';

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
		const {createMachineKey} = await import('../../ssh/keys.js');
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
