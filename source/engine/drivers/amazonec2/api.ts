// Talking to EC2 for one machine: the lazily loaded SDK and its client, calls whose errors are
// explained, reading the instance, and waiting for it to reach a state.
import type {EC2Client, Instance} from '@aws-sdk/client-ec2';
import {MachinistError} from '../../errors.js';
import {seconds} from '../../polling.js';
import type {DriverContext} from '../../driver-context.js';
import {IpSshDriver} from '../ip-ssh.js';
import type {AmazonEc2Config} from './config.js';
import {awsCode, explain} from './errors.js';

export function stateOf(instance: Instance | undefined): string {
	return instance?.State?.Name ?? 'unknown';
}

/** The EC2 API as one machine's driver uses it. */
export abstract class Ec2Api extends IpSshDriver<AmazonEc2Config> {
	protected clientPromise: Promise<EC2Client> | undefined;
	/** Commands are made through this so their classes come from the lazily loaded SDK. */
	protected sdkPromise: Promise<typeof import('@aws-sdk/client-ec2')> | undefined;

	protected async sdk(): Promise<typeof import('@aws-sdk/client-ec2')> {
		this.sdkPromise ??= import('@aws-sdk/client-ec2');
		return this.sdkPromise;
	}

	protected async client(): Promise<EC2Client> {
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
	protected async call<T>(action: string, make: (sdk: typeof import('@aws-sdk/client-ec2')) => object, signal?: AbortSignal): Promise<T> {
		const sdk = await this.sdk();
		const client = await this.client();
		try {
			return (await client.send(make(sdk) as never, {abortSignal: signal})) as T;
		} catch (error) {
			throw explain(error, action);
		}
	}

	/** Like call, but gives back the raw SDK error code instead of explaining it. */
	protected async tryCall<T>(
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

	protected availabilityZone(): string {
		return `${this.config.Region}${this.config.Zone}`;
	}

	protected async describe(signal?: AbortSignal): Promise<Instance | undefined> {
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

	protected instanceId(): string {
		if (!this.config.InstanceId) {
			throw new MachinistError(`machine ${this.config.MachineName} has no instance (its create failed before one was made): remove it with rm`);
		}

		return this.config.InstanceId;
	}

	protected async described(signal?: AbortSignal): Promise<Instance> {
		const instance = await this.describe(signal);
		if (!instance)
			throw new MachinistError(`instance ${this.config.InstanceId} no longer exists on EC2 (terminated outside machinist?): remove the machine with rm`);
		return instance;
	}

	protected remember(instance: Instance): void {
		this.config.PrivateIPAddress = instance.PrivateIpAddress ?? this.config.PrivateIPAddress;
		const ip = this.config.PrivateIPOnly || this.config.UsePrivateIP ? instance.PrivateIpAddress : instance.PublicIpAddress;
		if (ip) this.config.IPAddress = ip;
	}

	/** Polls until the instance is in `want` (and, for running, has the address to use). */
	protected async waitFor(want: 'running' | 'stopped' | 'terminated', context: DriverContext): Promise<void> {
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
}
