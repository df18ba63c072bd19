#!/usr/bin/env node
// Signs in to a Keydesk server the way zulip-js users do, with a zuliprc file, and fetches
// GET /api/v1/users/me. Exit status: 0 when the server answers "success", 1 for any other
// answer (printed on stdout as JSON), 2 when the client itself fails (message on stderr).
'use strict';

const zulip = require('zulip-js');

async function main() {
  const zuliprc = process.argv[2];
  if (!zuliprc) {
    throw new Error('usage: node get-profile.js <path to zuliprc>');
  }
  const client = await zulip({ zuliprc });
  const result = await client.users.me.getProfile();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  return result && result.result === 'success' ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 2;
  },
);
