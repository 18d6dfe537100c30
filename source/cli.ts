#!/usr/bin/env node
import {runCli} from './cli/main.js';
import {invokedName, processTerminal} from './cli/terminal.js';

const code = await runCli(process.argv.slice(2), processTerminal(), invokedName(process.argv[1]));
// Exit now rather than when the event loop drains: an `ls` that gave up on a hung host must
// not wait for that host's socket. Writes to pipes and terminals are synchronous on Linux.
process.exit(code);
