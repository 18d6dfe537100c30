/* eslint-disable ava/no-ignored-test-files -- a helper that declares tests for the files importing it, no test file itself */
import {appendFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import test, {type ExecutionContext, type Implementation as AvaImplementation} from 'ava';
import {findProgram} from '../../source/engine/programs.js';
import {systemPath} from './hosts/process.js';

/** Whether a test's real parts (root, dockerd, a shell, QEMU…) are on this machine, and if not, why. */
export type Availability = {ok: true} | {ok: false; why: string};

type Implementation = AvaImplementation<[]>;
type Declare = (title: string, implementation: Implementation) => void;

/** A test declared only when its prerequisites hold, as `realTest(…)` and `realTest(…).serial`. */
export type RealTest = Declare & {serial: Declare};

export const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';

/** The first prerequisite that does not hold, or undefined when all do. */
export function missing(...needs: Availability[]): string | undefined {
	for (const need of needs) if (!need.ok) return need.why;
	return undefined;
}

/**
 * Tests that need root and real daemons are declared where their parts exist. Where they do not,
 * the decision is made here, before any test runs: ava reports the test as skipped, its title
 * naming what is missing, never as passed. Under CI a missing prerequisite is a failure instead,
 * since CI installs everything and a skip there would hide a broken setup.
 */
export function realTest(...needs: Availability[]): RealTest {
	const why = missing(...needs);
	if (why === undefined) {
		return Object.assign(
			(title: string, implementation: Implementation) => {
				test(title, implementation);
			},
			{
				serial(title: string, implementation: Implementation) {
					test.serial(title, implementation);
				},
			},
		);
	}

	if (inCi) {
		const fail = (t: ExecutionContext) => {
			t.fail(`real-host test cannot run in CI: ${why}`);
		};

		return Object.assign(
			(title: string) => {
				test(title, fail);
			},
			{
				serial(title: string) {
					test.serial(title, fail);
				},
			},
		);
	}

	// Skipping is the point here: the title says what is missing, and ava counts it as skipped.
	/* eslint-disable ava/no-skip-test */
	return Object.assign(
		(title: string, implementation: Implementation) => {
			test.skip(`${title} — ${why}`, implementation);
		},
		{
			serial(title: string, implementation: Implementation) {
				test.serial.skip(`${title} — ${why}`, implementation);
			},
		},
	);
	/* eslint-enable ava/no-skip-test */
}

/**
 * For hooks (before/after) of files whose tests are all real: whether to do the setup at all.
 * The tests themselves are declared with realTest, which reports them.
 */
export function available(...needs: Availability[]): boolean {
	return missing(...needs) === undefined;
}

/** A program the tests run by name, on the PATH they run it with or the system's; `install` says where it comes from. */
export function toolAvailable(command: string, install: string): Availability {
	const found = findProgram(command, {PATH: [process.env.PATH, systemPath].filter(Boolean).join(':')});
	return found ? {ok: true} : {ok: false, why: `${command} is not installed (${install})`};
}

/** The file `npm test` (scripts/test.mjs) collects notDeclared lines in, for its summary. */
const notDeclaredFileVariable = 'MACHINIST_TEST_NOT_DECLARED';

/**
 * For a test whose subject does not exist on this machine (the forced-KVM test without /dev/kvm):
 * it is not declared at all, so no run, CI included, counts it as skipped or failed. What was
 * left out, and why, is still said: `npm test` names it above its summary line; a bare `npx ava`
 * prints it on stderr.
 */
export function notDeclared(title: string, why: string): void {
	const file = path.relative(process.cwd(), fileURLToPath(test.meta.file));
	const line = `${file} › ${title} — ${why}`;
	const collector = process.env[notDeclaredFileVariable];
	if (collector) appendFileSync(collector, `${line}\n`);
	else console.error(`not declared: ${line}`);
}

/** `declare` where `present`; elsewhere, a declare function that records its test as not declared, with `why`. */
export function declaredOnlyWhere(present: boolean, why: string, declare: Declare): Declare {
	if (present) return declare;
	return title => {
		notDeclared(title, why);
	};
}
