// `npm test [-- ava arguments]`: ava with its own reporter on the terminal, then one line of ours,
// `N passed, N failed, N skipped`, that CI tooling reads. The counts come from ava's report: its
// summary lines where it prints them, each test's own line otherwise (ava leaves out the passed
// count when something failed), and the two must agree. Anything that is not a clean run (a crash,
// a timeout, an uncaught exception, a report without its summary, a non-zero exit) is counted as a
// failure, so the line never reads as passing when ava did not. Under CI=true a skipped test
// fails the run as well: CI installs every prerequisite, so a skip there hides a broken setup.
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const inCi = Boolean(process.env.CI) && process.env.CI !== 'false' && process.env.CI !== '0';
const avaCli = fileURLToPath(new URL('../node_modules/ava/entrypoints/cli.mjs', import.meta.url));

// Tests that cannot exist on this machine are not declared; test/helpers/real.ts notes them here.
const collector = mkdtempSync(path.join(os.tmpdir(), 'machinist-test-'));
const notDeclaredFile = path.join(collector, 'not-declared');

const args = process.argv.slice(2);
// ava's report comes through a pipe, where it would drop its colours.
if (process.stdout.isTTY && !args.some(arg => /^--(no-)?colou?r$/.test(arg))) args.unshift('--color');

const ava = spawn(process.execPath, [avaCli, ...args], {
	stdio: ['inherit', 'pipe', 'inherit'],
	env: {...process.env, MACHINIST_TEST_NOT_DECLARED: notDeclaredFile},
});
let report = '';
ava.stdout.on('data', chunk => {
	process.stdout.write(chunk);
	report += chunk.toString('utf8');
});
// Ctrl-C reaches ava too; it stops the tests and prints what it has, which is then counted here.
process.on('SIGINT', () => {});

const [code, signal] = await new Promise(resolve => {
	ava.on('close', (exitCode, exitSignal) => {
		resolve([exitCode, exitSignal]);
	});
});

const notDeclared = existsSync(notDeclaredFile) ? readFileSync(notDeclaredFile, 'utf8').split('\n').filter(Boolean) : [];
rmSync(collector, {recursive: true, force: true});

const {passed, failed, skipped, problems} = count(report, code, signal);
for (const line of notDeclared) console.log(`not declared: ${line}`);
for (const problem of problems) console.log(problem);
if (inCi && skipped > 0) console.log(`CI=true: a CI run must run every test, and ${skipped} ${skipped === 1 ? 'was' : 'were'} skipped`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 || code !== 0 || (inCi && skipped > 0) ? 1 : 0;

/** The counts from ava's default report (colours removed), and why the run is not clean when it is not. */
function count(text, exitCode, exitSignal) {
	const lines = text
		.replaceAll(/\u001B\[[\d;]*m/g, '')
		.split(/\r?\n/)
		.map(line => line.trim());
	const problems = [];
	const perTest = {passed: 0, failed: 0, skipped: 0, todo: 0};
	// Each test's line comes before the summary's first rule; failure details and the counts after it.
	const firstRule = lines.indexOf('─');
	for (const line of firstRule === -1 ? lines : lines.slice(0, firstRule)) {
		if (/^[✔√] /.test(line)) perTest.passed++;
		else if (/^[✘×] \[(fail|unexpected pass)]:/.test(line)) perTest.failed++;
		else if (line.startsWith('- [skip] ')) perTest.skipped++;
		else if (line.startsWith('- [todo] ')) perTest.todo++;
	}

	const summary = {};
	const patterns = {
		failedTests: /^(\d+) tests? failed/,
		failedHooks: /^(\d+) hooks? failed/,
		passed: /^(\d+) tests? passed/,
		knownFailures: /^(\d+) known failures?$/,
		skipped: /^(\d+) tests? skipped$/,
		todo: /^(\d+) tests? todo$/,
		unhandledRejections: /^(\d+) unhandled rejections?$/,
		uncaughtExceptions: /^(\d+) uncaught exceptions?$/,
		timedOut: /^(\d+) tests? remained pending after a timeout$/,
	};
	const lastRule = lines.lastIndexOf('─');
	if (lastRule === -1) {
		problems.push('ava ended without its summary (see its output above)');
	} else {
		for (const line of lines.slice(lastRule + 1)) {
			for (const [key, pattern] of Object.entries(patterns)) {
				const match = pattern.exec(line);
				if (match) summary[key] = Number(match[1]);
			}
		}
	}

	const number = key => summary[key] ?? 0;
	// A known failure (test.failing that failed) did what it declares; its line starts with a tick too.
	const passed = (summary.passed ?? perTest.passed - number('knownFailures')) + number('knownFailures');
	let failed = number('failedTests') + number('failedHooks') + number('unhandledRejections') + number('uncaughtExceptions') + number('timedOut');
	const skipped = number('skipped') + number('todo');

	const disagree = [
		['passed', passed, perTest.passed],
		['failed', number('failedTests') + number('failedHooks'), perTest.failed],
		['skipped', number('skipped'), perTest.skipped],
		['todo', number('todo'), perTest.todo],
	].filter(([, fromSummary, fromLines]) => lastRule !== -1 && fromSummary !== fromLines);
	for (const [what, fromSummary, fromLines] of disagree)
		problems.push(`ava's summary says ${fromSummary} ${what}, its test lines ${fromLines}: the counts are not reliable`);

	if (exitSignal) problems.push(`ava was ended by ${exitSignal}`);
	else if (exitCode !== 0 && failed === 0) problems.push(`ava exited with code ${exitCode} (see its output above)`);
	// The run itself failed where no test did: that is one failure, so the line never reads as a pass.
	if (problems.length > 0 && failed === 0) failed = 1;
	return {passed, failed, skipped, problems};
}
