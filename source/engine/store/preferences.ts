// The app's preferences (not machines), kept with conf.
import type {OptionValue} from '../options.js';

/**
 * App preferences (not machines: those live in the docker-machine store). Kept with conf in
 * the XDG config dir, `~/.config/machinist/config.json`, or under $MACHINIST_CONFIG_DIR.
 */
export type Preferences = {
	/** Driver `create` uses when neither -d nor $MACHINE_DRIVER names one. */
	defaultDriver?: string;
	/** TUI status polling interval in milliseconds. */
	pollIntervalMs: number;
	/** Shell `env` export uses in the TUI when it should not be detected (bash, fish, …). */
	envShell?: string;
	/** TUI colours: `auto` follows the terminal and NO_COLOR. */
	theme: 'auto' | 'dark' | 'light' | 'none';
	/** Last values used in the TUI create form, per driver. */
	lastCreateOptions: Record<string, Record<string, OptionValue>>;
};

export const preferenceDefaults: Preferences = {
	pollIntervalMs: 5000,
	theme: 'auto',
	lastCreateOptions: {},
};

/** conf pulls in ajv; only commands that read preferences pay for loading it. */
export async function openPreferences(env: NodeJS.ProcessEnv) {
	const {default: Conf} = await import('conf');
	const cwd = env.MACHINIST_CONFIG_DIR;
	return new Conf<Preferences>({
		projectName: 'machinist',
		projectSuffix: '',
		defaults: preferenceDefaults,
		...(cwd ? {cwd} : {}),
	});
}
