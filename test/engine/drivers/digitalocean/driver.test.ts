import test from 'ava';
import definition from '../../../../source/engine/drivers/digitalocean/index.js';
import {baseDriverConfig} from '../../../../source/engine/store/host.js';
import {temporaryDir} from '../../../helpers/store.js';
import {startDigitalOceanSimulator, type DigitalOceanSimulator} from '../../../simulators/digitalocean.js';

// The driver tests run against the simulator, with droplets that never boot (so no test host is needed).
let simulator: DigitalOceanSimulator;

test.before(async () => {
	simulator = await startDigitalOceanSimulator();
});

test.after.always(async () => {
	await simulator?.close();
});

async function stuckDroplet(): Promise<number> {
	simulator.nextDroplet = {neverActive: true};
	const response = await fetch(`${simulator.url}/v2/droplets`, {
		method: 'POST',
		headers: {authorization: `Bearer ${simulator.token}`, 'content-type': 'application/json'},
		body: JSON.stringify({name: 'stuck', region: 'nyc3', size: 's-1vcpu-1gb', image: 'ubuntu-24-04-x64'}),
	});
	return ((await response.json()) as {droplet: {id: number}}).droplet.id;
}

function driverFor(dropletId: number) {
	return definition.fromConfig({...baseDriverConfig('/nowhere', 'm'), AccessToken: simulator.token, APIURL: simulator.url, DropletID: dropletId});
}

test.serial('the state follows the droplet status, and a droplet gone or archived is an error saying what to do', async t => {
	const context = {machineDir: await temporaryDir(t), env: {}};
	const id = await stuckDroplet();
	const driver = driverFor(id);
	t.is(await driver.getState(context), 'Starting');
	const live = simulator.droplets().find(candidate => candidate.id === id)!;
	live.status = 'off';
	t.is(await driver.getState(context), 'Stopped');
	await t.throwsAsync(driver.getURL(context), {message: 'Host is not running'});
	live.status = 'archive';
	await t.throwsAsync(driver.getState(context), {message: `droplet ${id} is archived by DigitalOcean and cannot be started: remove the machine with rm`});

	await driver.remove(context);
	await t.throwsAsync(driver.getState(context), {
		message: `droplet ${id} no longer exists on DigitalOcean (destroyed outside machinist?): remove the machine with rm`,
	});
	await t.notThrowsAsync(driver.remove(context), 'a droplet already gone is fine for rm');
	await t.throwsAsync(driverFor(0).getState(context), {message: /has no droplet \(its create failed before one was made\)/});
});

test.serial('a power action DigitalOcean refuses says why, in one line', async t => {
	const context = {machineDir: await temporaryDir(t), env: {}};
	const id = await stuckDroplet();
	await t.throwsAsync(driverFor(id).start(context), {message: `DigitalOcean refused to power on droplet ${id}: Droplet is currently being created.`});
	await driverFor(id).remove(context);
	t.deepEqual(simulator.droplets(), []);
});
