#!/usr/bin/env node
import { processIo } from './io.js';
import { runHvc } from './run-hvc.js';

runHvc(process.argv.slice(2), processIo()).then((code) => {
  process.exitCode = code;
});
