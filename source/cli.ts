#!/usr/bin/env node
import module from 'node:module';

// Node 22.1 and later keep compiled code on disk between runs, which shortens every start;
// Node 20 has no such call. Enabled before anything else loads, so all of it is cached.
(module as {enableCompileCache?: () => unknown}).enableCompileCache?.();

// The AWS SDK warns on every Node below 22 about its releases after January 2027; the pinned
// version supports Node 20, and the warning would break one-line errors. It reads only
// process.env, a process-wide setting: the program's entry sets it, not the engine.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const [{runCli}, {invokedName, processTerminal}] = await Promise.all([import('./cli/main.js'), import('./cli/terminal.js')]);
const code = await runCli(process.argv.slice(2), processTerminal(), invokedName(process.argv[1]));
// Exit now rather than when the event loop drains: an `ls` that gave up on a hung host must
// not wait for that host's socket. Writes to pipes and terminals are synchronous on Linux.
process.exit(code);
