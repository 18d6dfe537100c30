// The simulator's command line: `VBoxManage ARGS` prints as VirtualBox does and exits 0, 1 (an
// error) or 2 (a syntax error), with errors on stderr.
import {VBoxError, vboxManage} from './simulator.js';

try {
	process.stdout.write(await vboxManage(process.argv.slice(2)));
} catch (error) {
	if (error instanceof VBoxError) {
		process.stderr.write(`${error.lines.join('\n')}\n`);
		process.exitCode = error.code;
	} else {
		process.stderr.write(`VBoxManage: error: ${error instanceof Error ? error.message : String(error)}\n`);
		process.exitCode = 1;
	}
}
