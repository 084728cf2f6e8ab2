#!/usr/bin/env node
// The package's command: runs the built CLI (npm run build, done by npm install).
import '../dist/cli/main.js';
