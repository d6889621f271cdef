import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const manifest = require('../../package.json') as { version: string };

export const faultlineVersion: string = manifest.version;
/** The Toxiproxy API version faultline speaks; clients such as toxiproxy-ruby compare against it. */
export const toxiproxyApiVersion = '2.12.0';
/** What `faultline --version` and `faultline server -version` print. */
export const versionLine = `faultline ${faultlineVersion} (Toxiproxy API ${toxiproxyApiVersion})`;
