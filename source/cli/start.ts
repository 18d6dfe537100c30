import {runCli} from './main.js';
import {invokedName, processTerminal} from './terminal.js';

// The AWS SDK warns on every Node below 22 about its releases after January 2027; the pinned
// version supports Node 20, and the warning would break one-line errors. It reads only
// process.env, a process-wide setting: the program's entry sets it, not the engine.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Exit as soon as the command is done rather than when the event loop drains: an `ls` that
// gave up on a hung host must not wait for that host's socket. Writes to pipes and terminals
// are synchronous on Linux, so nothing written is lost.
void runCli(process.argv.slice(2), processTerminal(), invokedName(process.argv[1])).then(code => process.exit(code));
