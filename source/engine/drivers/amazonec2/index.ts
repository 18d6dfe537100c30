// The amazonec2 driver: EC2 instances through the AWS SDK (loaded on first use). Its parts:
// config (fields and defaults), options, errors (SDK errors explained), api (the SDK client,
// reading and waiting for the instance), driver (create, power, remove).
import {boolOption, intOption, listOption, stringOption} from '../../options.js';
import type {BaseDriverConfig} from '../../store/host.js';
import type {DriverDefinition} from '../driver.js';
import {pathOption, sshLoginOptions} from '../fields.js';
import {AmazonEc2Driver} from './driver.js';
import {fieldsFrom, options} from './options.js';

export {tagPairs} from './options.js';

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
