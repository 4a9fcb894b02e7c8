#!/usr/bin/env node
// `npm run bench`: speed and memory goals are measured here, never in unit tests.
console.log('no benchmarks yet');
