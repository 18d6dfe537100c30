#!/usr/bin/env node
import module from 'node:module';

// Node 22.1 and later keep compiled code on disk between runs, which shortens every start;
// Node 20 has no such call. Enabled before anything else loads, so all of it is cached.
(module as {enableCompileCache?: () => unknown}).enableCompileCache?.();

const [{runCli}, {invokedName, processTerminal}] = await Promise.all([import('./cli/main.js'), import('./cli/terminal.js')]);
const code = await runCli(process.argv.slice(2), processTerminal(), invokedName(process.argv[1]));
// Exit now rather than when the event loop drains: an `ls` that gave up on a hung host must
// not wait for that host's socket. Writes to pipes and terminals are synchronous on Linux.
process.exit(code);
