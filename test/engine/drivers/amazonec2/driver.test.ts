import {SignatureV4} from '@smithy/signature-v4';
import test from 'ava';
import definition, {tagPairs} from '../../../../source/engine/drivers/amazonec2/index.js';
import {resolveOptions} from '../../../../source/engine/options.js';
import {baseDriverConfig} from '../../../../source/engine/store/host.js';
import {temporaryDir} from '../../../helpers/store.js';
import {defaultVpcId, Sha256, startEc2Simulator, ubuntuAmi, type Ec2Simulator} from '../../../simulators/ec2.js';

// These tests stop before any instance is launched, so they need no test hosts (nor root).
let simulator: Ec2Simulator;

test.before(async () => {
	simulator = await startEc2Simulator();
});

test.after.always(async () => {
	await simulator?.close();
});

function driver(name: string, flags: Record<string, string | string[] | boolean> = {}, env: NodeJS.ProcessEnv = {}) {
	const values = resolveOptions(
		definition.options,
		{
			'amazonec2-access-key': simulator.accessKeyId,
			'amazonec2-secret-key': simulator.secretAccessKey,
			'amazonec2-endpoint': simulator.url,
			...flags,
		},
		env,
	);
	return definition.fromOptions(baseDriverConfig('/nonexistent', name), values);
}

test('defaults: us-east-1 zone a, t3.micro, 16 GB, security group docker-machine, user ubuntu, IMDSv2 required', t => {
	const {config} = driver('defaults');
	t.like(config, {
		Region: 'us-east-1',
		Zone: 'a',
		InstanceType: 't3.micro',
		RootSize: 16,
		SecurityGroupNames: ['docker-machine'],
		SSHUser: 'ubuntu',
		SSHPort: 22,
		MetadataHttpTokens: 'required',
		AMI: '',
		RetryCount: 5,
	});
});

test('tags are key,value pairs', t => {
	t.deepEqual(tagPairs('team,qa, env ,prod'), [
		{Key: 'team', Value: 'qa'},
		{Key: 'env', Value: 'prod'},
	]);
	t.deepEqual(tagPairs(''), []);
});

test.serial("the pre-create check finds the default VPC, its subnet in the zone, and Canonical's newest Ubuntu AMI", async t => {
	const ec2 = driver('pcc', {'amazonec2-zone': 'b'});
	await ec2.preCreateCheck({machineDir: await temporaryDir(t), env: {}});
	const subnet = simulator.requests.findLast(request => request.action === 'DescribeSubnets');
	t.like(subnet?.params, {
		'Filter.1.Name': 'availability-zone',
		'Filter.1.Value.1': 'us-east-1b',
		'Filter.2.Name': 'vpc-id',
		'Filter.2.Value.1': defaultVpcId,
	});
	t.like(ec2.config, {VpcId: defaultVpcId, AMI: ubuntuAmi});
	t.regex(String(ec2.config.SubnetId), /^subnet-/);
	t.like(simulator.requests.findLast(request => request.action === 'DescribeImages')?.params, {'Owner.1': '099720109477'});
	t.deepEqual(simulator.leftovers(), [], 'a pre-create check makes nothing');
});

test('rejected credentials are one line naming the flags, and never echo the secret', async t => {
	const ec2 = driver('badcreds', {'amazonec2-access-key': 'AKIAWRONGWRONGWRONG', 'amazonec2-secret-key': 'very-secret'});
	const error = await t.throwsAsync(ec2.preCreateCheck({machineDir: await temporaryDir(t), env: {}}));
	t.regex(
		error.message,
		/^AWS rejected the credentials \(AuthFailure: AWS was not able to validate the provided access credentials\): check --amazonec2-access-key, --amazonec2-secret-key/,
	);
	t.false(error.message.includes('very-secret'));
	t.false(error.message.includes('\n'));
});

test('a wrong secret key fails the signature check, in one line naming --amazonec2-secret-key', async t => {
	const ec2 = driver('badsecret', {'amazonec2-secret-key': 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'});
	const error = await t.throwsAsync(ec2.preCreateCheck({machineDir: await temporaryDir(t), env: {}}));
	t.is(
		error.message,
		'AWS rejected the secret key (SignatureDoesNotMatch): it does not belong to the access key; check --amazonec2-secret-key (or $AWS_SECRET_ACCESS_KEY, your AWS profile)',
	);
	t.false(error.message.includes('EXAMPLEKEY'));
});

test('the simulator answers a request without a signature, with a forged one, or signed over another body as EC2 does', async t => {
	const body = 'Action=DescribeAccountAttributes&Version=2016-11-15';
	const post = async (headers: Record<string, string>, sent = body): Promise<[number, string]> => {
		const response = await fetch(simulator.url, {
			method: 'POST',
			headers: {'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers},
			body: sent,
		});
		return [response.status, await response.text()];
	};

	const {host} = new URL(simulator.url);
	const signer = new SignatureV4({
		credentials: {accessKeyId: simulator.accessKeyId, secretAccessKey: simulator.secretAccessKey},
		region: 'us-east-1',
		service: 'ec2',
		sha256: Sha256,
	});
	const signed = await signer.sign({
		method: 'POST',
		protocol: 'http:',
		hostname: '127.0.0.1',
		path: '/',
		query: {},
		headers: {host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8'},
		body,
	});
	const [okStatus] = await post(signed.headers);
	t.is(okStatus, 200, 'signed with the right secret');

	const [noneStatus, none] = await post({});
	t.is(noneStatus, 403);
	t.regex(none, /<Code>MissingAuthenticationToken<\/Code>/);
	const forged = signed.headers.authorization!.replace(/Signature=\w+/, `Signature=${'0'.repeat(64)}`);
	const [forgedStatus, forgedBody] = await post({...signed.headers, authorization: forged});
	t.is(forgedStatus, 403);
	t.regex(
		forgedBody,
		/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Response><Errors><Error><Code>SignatureDoesNotMatch<\/Code><Message>The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key and signing method\. Consult the service documentation for details\.<\/Message><\/Error><\/Errors><RequestID>[\da-f-]{36}<\/RequestID><\/Response>$/,
	);
	const [otherBodyStatus, otherBody] = await post(signed.headers, body.replace('DescribeAccountAttributes', 'DescribeKeyPairs'));
	t.is(otherBodyStatus, 403);
	t.regex(otherBody, /<Code>SignatureDoesNotMatch<\/Code>/);
});

test('credentials come from the environment as from the flags', async t => {
	const fromEnv = definition.fromOptions(
		baseDriverConfig('/nonexistent', 'envcreds'),
		resolveOptions(
			definition.options,
			{'amazonec2-endpoint': simulator.url},
			{AWS_ACCESS_KEY_ID: simulator.accessKeyId, AWS_SECRET_ACCESS_KEY: simulator.secretAccessKey},
		),
	);
	t.is(fromEnv.config.AccessKey, simulator.accessKeyId);
	await t.notThrowsAsync(fromEnv.preCreateCheck({machineDir: await temporaryDir(t), env: {}}));
});

test('an AMI that does not exist is one line naming --amazonec2-ami', async t => {
	const ec2 = driver('badami', {'amazonec2-ami': 'ami-0123456789abcdef0'});
	const error = await t.throwsAsync(ec2.preCreateCheck({machineDir: await temporaryDir(t), env: {}}));
	t.is(
		error.message,
		"The image id '[ami-0123456789abcdef0]' does not exist (InvalidAMIID.NotFound): check --amazonec2-ami; an AMI id belongs to one region (--amazonec2-region)",
	);
});

test('a subnet that does not exist, and a zone without a subnet, name the flag to change', async t => {
	const dir = await temporaryDir(t);
	await t.throwsAsync(driver('badsubnet', {'amazonec2-subnet-id': 'subnet-0nope'}).preCreateCheck({machineDir: dir, env: {}}), {
		message: /check --amazonec2-subnet-id/,
	});
	await t.throwsAsync(driver('badzone', {'amazonec2-zone': 'f'}).preCreateCheck({machineDir: dir, env: {}}), {
		message: `VPC ${defaultVpcId} has no subnet in zone us-east-1f: give --amazonec2-subnet-id, or another --amazonec2-zone`,
	});
});

test('a stored machine reads back every field, and one without an instance says to rm it', async t => {
	const ec2 = driver('stored', {'amazonec2-tags': 'a,b', 'amazonec2-request-spot-instance': true, 'amazonec2-open-port': ['8080', '53/udp']});
	// Through JSON, as config.json stores it.
	const stored = JSON.stringify(ec2.config);
	const again = definition.fromConfig(JSON.parse(stored) as typeof ec2.config);
	t.deepEqual(again.config, ec2.config);
	await t.throwsAsync(again.getState({machineDir: '/nonexistent', env: {}}), {
		message: 'machine stored has no instance (its create failed before one was made): remove it with rm',
	});
});
