#!/usr/bin/env node
import { entriesFor } from './command-table.js';
import { runCli } from './program.js';

await runCli(entriesFor);
