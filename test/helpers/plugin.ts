// The test driver plugin (test/fixtures/go/plugin) as docker-machine-driver-testhost on a PATH.
import {mkdir, readFile, symlink} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {goFixture} from './go.js';
import {systemPath} from './hosts/process.js';

let pluginDir: Promise<string> | undefined;

/** A directory holding only docker-machine-driver-testhost, built from the fixture on first use. */
export async function testPluginDir(): Promise<string> {
	pluginDir ??= (async () => {
		const binary = await goFixture('plugin', 'docker-machine-driver-testhost');
		const dir = path.join(os.tmpdir(), `machinist-test-plugin-${process.pid}`);
		await mkdir(dir, {recursive: true});
		await symlink(binary, path.join(dir, 'docker-machine-driver-testhost')).catch((error: unknown) => {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		});
		return dir;
	})();
	return pluginDir;
}

/** A PATH on which the test plugin is found, before the system's programs. */
export async function pluginPath(): Promise<string> {
	return [await testPluginDir(), process.env.PATH ?? systemPath].join(':');
}

/** Of the plugin processes the test plugin wrote to `pidFile` (TESTHOST_PLUGIN_PIDS), those still running. */
export async function runningPlugins(pidFile: string): Promise<string[]> {
	const pids = (await readFile(pidFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
	return pids.filter(pid => {
		try {
			process.kill(Number(pid), 0);
			return true;
		} catch {
			return false;
		}
	});
}
