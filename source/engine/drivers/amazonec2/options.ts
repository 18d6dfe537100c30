// The amazonec2 driver's options as data (docker-machine's flags and variables), and reading a stored config.
import {type OptionSpec} from '../../options.js';
import type {BaseDriverConfig} from '../../store/host.js';
import {boolField, listField, numberField, portProblem, stringField} from '../fields.js';
import {defaults, type AmazonEc2Fields} from './config.js';

/** `k1,v1,k2,v2` as docker-machine took them. */
export function tagPairs(tags: string): Array<{Key: string; Value: string}> {
	const parts = tags.split(',').map(part => part.trim());
	if (tags.trim() === '') return [];
	const pairs: Array<{Key: string; Value: string}> = [];
	for (let index = 0; index < parts.length; index += 2) pairs.push({Key: parts[index]!, Value: parts[index + 1] ?? ''});
	return pairs;
}

export const options: readonly OptionSpec[] = [
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

export function fieldsFrom(config: BaseDriverConfig): AmazonEc2Fields {
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
