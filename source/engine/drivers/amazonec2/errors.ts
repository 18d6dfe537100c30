// AWS SDK errors turned into one line that says what to change.
import {MachinistError} from '../../errors.js';

/** The error code of an AWS SDK service error (`AuthFailure`, `InvalidAMIID.NotFound`, …). */
export function awsCode(error: unknown): string {
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
	'OptInRequired',
	'UnauthorizedOperation',
	'ExpiredToken',
	'RequestExpired',
]);

/** An SDK error turned into one line that says what to change. */
export function explain(error: unknown, action: string): unknown {
	if (error instanceof MachinistError) return error;
	const code = awsCode(error);
	const message = awsMessage(error);
	if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
		return new MachinistError(
			'no AWS credentials found: give --amazonec2-access-key and --amazonec2-secret-key, set $AWS_ACCESS_KEY_ID and $AWS_SECRET_ACCESS_KEY, or configure a profile in ~/.aws (AWS_PROFILE)',
		);
	}

	// A known access key with the wrong secret: the one thing to change is the secret.
	if (code === 'SignatureDoesNotMatch') {
		return new MachinistError(
			'AWS rejected the secret key (SignatureDoesNotMatch): it does not belong to the access key; check --amazonec2-secret-key (or $AWS_SECRET_ACCESS_KEY, your AWS profile)',
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
