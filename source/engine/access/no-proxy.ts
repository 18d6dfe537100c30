/**
 * `--no-proxy`: the proxy variable to set (lower-case no_proxy wins when non-empty, as in
 * docker-machine) with the machine's IP appended unless already listed.
 */
export function noProxyVariable(env: NodeJS.ProcessEnv, ip: string): readonly [string, string] {
	const lower = env.no_proxy;
	const name = lower ? 'no_proxy' : 'NO_PROXY';
	const current = lower ?? env.NO_PROXY ?? '';
	if (current === '') return [name, ip];
	if (
		current
			.split(',')
			.map(item => item.trim())
			.includes(ip)
	)
		return [name, current];
	return [name, `${current},${ip}`];
}

/** The name of the proxy variable `env --unset --no-proxy` clears. */
export function noProxyVariableName(env: NodeJS.ProcessEnv): string {
	return env.no_proxy ? 'no_proxy' : 'NO_PROXY';
}
