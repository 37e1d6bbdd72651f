#!/usr/bin/env node
// Prints the current TOTP code of a base32 secret (the playground's /security page shows it),
// for trying the second factor without an authenticator app: node scripts/totp-code.mjs <secret>
import { Secret, TOTP } from 'otpauth'

const secret = process.argv[2]
if (!secret) {
  console.error('usage: node scripts/totp-code.mjs <base32 secret>')
  process.exit(1)
}
const totp = new TOTP({ secret: Secret.fromBase32(secret.replace(/\s/g, '').toUpperCase()), algorithm: 'SHA1', digits: 6, period: 30 })
console.log(`${totp.generate()} (valid for ${30 - (Math.floor(Date.now() / 1000) % 30)} s)`)
