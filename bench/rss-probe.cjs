// Loaded with --require into every measured process (the baseline too, so it costs both sides
// the same): at exit, report this process's peak resident set size in kilobytes and the CPU
// time it used in milliseconds (user + system), which a busy machine disturbs far less than
// wall time.
const {writeSync} = require('node:fs');

const target = process.env.MACHINIST_BENCH_RSS_FD;
if (target) {
	process.on('exit', () => {
		const usage = process.resourceUsage();
		writeSync(Number(target), `${usage.maxRSS} ${(usage.userCPUTime + usage.systemCPUTime) / 1000}\n`);
	});
}
