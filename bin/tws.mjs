#!/usr/bin/env node
// Launcher for the `tws` CLI: runs the TypeScript entry point through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('./tws.ts');
