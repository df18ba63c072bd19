#!/usr/bin/env node
// Signs in with a zuliprc file and manages an outgoing webhook bot the way Zulip's web app does:
// POST /bots with bot_type, full_name, short_name, payload_url (JSON-encoded, with its quotes)
// and interface_type; then GET /bots; then POST /bots/{id}/api_key/regenerate. Prints
// {"created": …, "listed": …, "regenerated": …} on stdout. Exit status: 0 when every answer is a
// "success", 1 otherwise, 2 when the client itself fails (message on stderr).
'use strict';

const zulip = require('zulip-js');

async function main() {
  const [zuliprc, fullName, shortName, payloadUrl] = process.argv.slice(2);
  if (!payloadUrl) {
    throw new Error('usage: node outgoing-webhook-bot.js <zuliprc> <full name> <short name> <payload url>');
  }
  const client = await zulip({ zuliprc });
  const created = await client.callEndpoint('/bots', 'POST', {
    bot_type: 3,
    full_name: fullName,
    short_name: shortName,
    payload_url: JSON.stringify(payloadUrl),
    interface_type: 1,
  });
  const out = { created };
  if (created.result === 'success') {
    out.listed = await client.callEndpoint('/bots', 'GET');
    out.regenerated = await client.callEndpoint(`/bots/${created.user_id}/api_key/regenerate`, 'POST');
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
  const answers = [out.created, out.listed, out.regenerated];
  return answers.every((a) => a && a.result === 'success') ? 0 : 1;
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
