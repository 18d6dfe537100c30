// The amazonec2 driver's stored config, its defaults, and the names it gives things on EC2.
import type {BaseDriverConfig} from '../../store/host.js';

/** docker-machine's field names where it had them, so either tool reads the other's machines. */
export type AmazonEc2Config = BaseDriverConfig & AmazonEc2Fields;

export type AmazonEc2Fields = {
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

export const defaults = {
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
export const createdByTag = 'machinist:created-by';

export const maxUserDataBytes = 16 * 1024;
