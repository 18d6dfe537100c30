// Loaded with --require into every measured process (the baseline too, so it costs both sides
// the same): at exit, report this process's peak resident set size in kilobytes.
const {writeSync} = require('node:fs');
const target = process.env.MACHINIST_BENCH_RSS_FD;
if (target) {
	process.on('exit', () => {
		writeSync(Number(target), `${process.resourceUsage().maxRSS}\n`);
	});
}
