#!/usr/bin/env node
// Logs in the way zulip-js does with a username and password (fetch_api_key: a key of this
// device's own), then rotates the account's key with
// callEndpoint('users/me/api_key/regenerate', 'POST'), as a Zulip client that rotates its key
// does, and tries the device's old key and the new key on GET /users/me.
// Prints {"regenerated": …, "oldKey": …, "newKey": …} on stdout, with keys only as SHA-256
// digests. Exit status: 0 when the rotation succeeded, the old key is refused and the new one
// works; 1 otherwise; 2 when the client itself fails (message on stderr).
'use strict';

const crypto = require('crypto');
const zulip = require('zulip-js');

const digest = (key) => crypto.createHash('sha256').update(key, 'utf8').digest('hex');

async function main() {
  const [realm, username, password] = process.argv.slice(2);
  if (!password) {
    throw new Error('usage: node regenerate-with-device-key.js <realm> <username> <password>');
  }
  const device = await zulip({ realm, username, password });
  const deviceKey = device.config.apiKey;
  const answer = await device.callEndpoint('users/me/api_key/regenerate', 'POST');
  const { api_key: newKey, ...rest } = answer;
  const out = {
    deviceKeySha256: digest(deviceKey),
    regenerated: { ...rest, api_key_sha256: typeof newKey === 'string' ? digest(newKey) : null },
  };
  if (answer.result === 'success') {
    out.oldKey = await (await zulip({ realm, username, apiKey: deviceKey })).users.me.getProfile();
    out.newKey = await (await zulip({ realm, username, apiKey: newKey })).users.me.getProfile();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
  const ok = answer.result === 'success' && out.oldKey.result === 'error' && out.newKey.result === 'success';
  return ok ? 0 : 1;
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
