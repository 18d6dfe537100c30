/** The name certificates are issued to: docker-machine uses $USER, then %USERNAME%. */
export function certificateUser(env: NodeJS.ProcessEnv): string {
	return env.USER || env.USERNAME || 'unknown';
}
