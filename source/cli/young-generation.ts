/**
 * The app's young generation stays at the size it has when the app opens (1 MB a semi-space on
 * Node 20) instead of growing to 16 MB a semi-space.
 *
 * V8 grows it once enough objects have survived since its last growth, which any long-running
 * process reaches, and shrinks it only while the process allocates little. Ink builds every
 * frame cell by cell, so the app never does: grown, the young generation was the largest part
 * of the fleet screen's RSS (32 MB of 150–165 MB in `npm run bench:tui -- --daemons 200`). The
 * price is CPU: more of each frame's objects live through a collection of the small space and
 * reach the old generation, so full collections come more often (about 1.2 % of a core on the
 * one-daemon fleet, within the noise on 200 daemons; the readme's Speed section has the runs).
 *
 * `--max-semi-space-size` says this at start, but only on Node's command line: the installed
 * command starts with `#!/usr/bin/env node`, which cannot carry flags everywhere (BusyBox's env
 * has no -S), and the app opens in the process the command started. V8 reads the growth factor
 * each time it would grow the space, so setting it here takes effect;
 * test/cli/young-generation.test.ts checks that it still does.
 */
export async function keepYoungGenerationSmall(): Promise<void> {
	const {setFlagsFromString} = await import('node:v8');
	setFlagsFromString('--semi-space-growth-factor=1');
}
