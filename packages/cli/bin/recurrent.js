#!/usr/bin/env node
// The package's command: runs the built CLI (npm run build, which npm install runs in a clone).
import '../dist/main.js';
