import type {ExecutionContext} from 'ava';

/**
 * Tests that need root and real daemons run everywhere they can; where they cannot, they are
 * skipped with the reason, except under CI, where a missing prerequisite is a failure.
 */
export function requireReal(t: ExecutionContext, availability: {ok: true} | {ok: false; why: string}): boolean {
	if (availability.ok) return true;
	if (process.env.CI && process.env.CI !== 'false') {
		t.fail(`real-host test cannot run in CI: ${availability.why}`);
		return false;
	}

	t.log(`skipped: ${availability.why}`);
	t.pass();
	return false;
}
