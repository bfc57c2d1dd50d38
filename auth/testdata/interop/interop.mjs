// Cross-checks JAG object signatures with an implementation that shares no
// code with JAG: panva/jose (JWS) and erdtman/canonicalize (RFC 8785).
//
//   npm ci
//   node interop.mjs generate   # writes node-signed.json (EdDSA and ES256)
//   node interop.mjs verify     # verifies go-signed.json, exit 1 on failure
//
// Signature format: API.md section 1 — a detached compact JWS over the JCS
// form of the object without extensions[EXT].signature, protected header
// exactly {alg, kid, typ: "stix+jws"}.
import { readFileSync, writeFileSync } from 'node:fs';
import canonicalize from 'canonicalize';
import * as jose from 'jose';

const EXT = 'extension-definition--2a612e16-4709-402f-81dd-c1a3596143cc';
const ORG = 'identity--0d3a5f0e-6b7a-4c55-9e8e-6f1b0c3d2a11';
const here = new URL('.', import.meta.url);
const enc = new TextEncoder();

function samples() {
  const indicator = {
    type: 'indicator', spec_version: '2.1',
    id: 'indicator--c1f1c3a2-6b1e-4d8a-9a5e-2f4b3c6d7e80',
    created: '2024-03-01T10:00:00.000Z', modified: '2024-03-01T10:00:00.000Z',
    name: 'Predator C2 domain',
    description: 'Domain linked to Intellexa Predator infrastructure.',
    indicator_types: ['malicious-activity'],
    pattern: "[domain-name:value = 'example-c2.net']",
    pattern_type: 'stix', valid_from: '2024-03-01T10:00:00Z',
    confidence: 80, labels: ['predator'],
    object_marking_refs: ['marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421'],
  };
  // Exercises JCS corners: key order by UTF-16 code units, escapes,
  // non-ASCII text and ECMAScript number forms.
  const exotic = {
    type: 'note', spec_version: '2.1',
    id: 'note--0b4a1a7e-5d4c-4e3b-8a2f-1c0d9e8f7a6b',
    created: '2024-03-02T08:30:00.123456789Z', modified: '2024-03-02T08:30:00.123456789Z',
    content: 'Grüße \u20ac \ud83d\ude00 "quoted" back\\slash tab\t newline\n \u2028 \u0001',
    abstract: '\u05d3\u05bc \ufb33 \u00f6',
    object_refs: ['indicator--c1f1c3a2-6b1e-4d8a-9a5e-2f4b3c6d7e80'],
    x_numbers: [333333333.3333333, 1e21, 1e-7, 0.000001, -0, 4.5, 9007199254740992, 1e300],
    x_keys: { '\u20ac': 1, '\r': 2, '\ufb33': 3, '1': 4, '\ud83d\ude00': 5, '\u0080': 6, '\u00f6': 7 },
  };
  return [indicator, exotic];
}

function withoutSignature(obj) {
  const copy = structuredClone(obj);
  delete copy.extensions[EXT].signature;
  return copy;
}

async function sign(obj, alg, privateKey, kid, recipients) {
  const o = structuredClone(obj);
  o.created_by_ref = ORG;
  o.extensions = o.extensions ?? {};
  o.extensions[EXT] = { extension_type: 'property-extension', recipients };
  const payload = enc.encode(canonicalize(o));
  const jws = await new jose.FlattenedSign(payload)
    .setProtectedHeader({ alg, kid, typ: 'stix+jws' })
    .sign(privateKey);
  o.extensions[EXT].signature = `${jws.protected}..${jws.signature}`;
  return o;
}

async function generate() {
  const keys = [];
  const objects = [];
  for (const alg of ['EdDSA', 'ES256']) {
    const { publicKey, privateKey } = await jose.generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
    const jwk = await jose.exportJWK(publicKey);
    jwk.kid = await jose.calculateJwkThumbprint(jwk, 'sha256');
    jwk.alg = alg;
    jwk.use = 'sig';
    keys.push(jwk);
    for (const s of samples()) {
      s.id = s.id.replace(/.{4}$/, alg === 'EdDSA' ? 'ed01' : 'e256');
      objects.push(await sign(s, alg, privateKey, jwk.kid, [ORG]));
    }
  }
  const fixture = {
    description: 'Signed by Node (jose + canonicalize); regenerate with: node interop.mjs generate',
    participant: ORG,
    jwks: { keys },
    objects,
  };
  writeFileSync(new URL('node-signed.json', here), JSON.stringify(fixture, null, 2) + '\n');
  console.log(`node-signed.json: ${objects.length} objects`);
}

async function verifyObject(obj, keys) {
  const sig = obj.extensions?.[EXT]?.signature;
  const [protectedB64, empty, signature, ...rest] = (sig ?? '').split('.');
  if (!sig || empty !== '' || rest.length) throw new Error('not a detached compact JWS');
  const header = JSON.parse(new TextDecoder().decode(jose.base64url.decode(protectedB64)));
  const names = Object.keys(header).sort().join(',');
  if (names !== 'alg,kid,typ' || header.typ !== 'stix+jws') throw new Error(`header ${names}`);
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error(`unknown kid ${header.kid}`);
  const key = await jose.importJWK(jwk, jwk.alg);
  const payload = enc.encode(canonicalize(withoutSignature(obj)));
  await jose.flattenedVerify({ protected: protectedB64, payload: jose.base64url.encode(payload), signature }, key, { algorithms: [jwk.alg] });
  return header.alg;
}

async function verify(file) {
  const fixture = JSON.parse(readFileSync(new URL(file, here), 'utf8'));
  let failed = 0;
  for (const obj of fixture.objects) {
    try {
      const alg = await verifyObject(obj, fixture.jwks.keys);
      console.log(`ok   ${alg.padEnd(6)} ${obj.id}`);
    } catch (err) {
      failed++;
      console.log(`FAIL ${obj.id}: ${err.message}`);
    }
  }
  // A negative control: a tampered copy must fail.
  const tampered = structuredClone(fixture.objects[0]);
  tampered.created = '2000-01-01T00:00:00.000Z';
  try {
    await verifyObject(tampered, fixture.jwks.keys);
    console.log('FAIL tampered object verified');
    failed++;
  } catch {
    console.log('ok   tampered object refused');
  }
  if (failed) process.exit(1);
}

// jcs-numbers.json: the ECMAScript serialisation of random doubles (by
// their IEEE 754 bits) and of random member-name orderings, for the Go JCS
// differential test.
function generateNumbers() {
  const view = new DataView(new ArrayBuffer(8));
  const numbers = [];
  let seed = 0x2545f491;
  const next = () => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return seed >>> 0; };
  while (numbers.length < 2000) {
    view.setUint32(0, next());
    view.setUint32(4, next());
    // Mix full-range bit patterns with values of everyday magnitude.
    let x = view.getFloat64(0);
    if (numbers.length % 2 === 1) x = (next() / 2 ** 32 - 0.5) * 10 ** ((next() % 44) - 22);
    if (numbers.length % 5 === 4) x = Math.round(x);
    if (!Number.isFinite(x)) continue;
    view.setFloat64(0, x);
    const bits = view.getBigUint64(0).toString(16).padStart(16, '0');
    numbers.push({ bits, json: canonicalize(x) });
  }
  const names = [];
  const alphabet = ['a', 'B', '\u00e9', '\u20ac', '\ufb33', '\ud83d\ude00', '\u0080', '1', '\r', '\uffff', '\ud800\udc00'];
  for (let i = 0; i < 200; i++) {
    const obj = {};
    for (let j = 0; j < 6; j++) {
      let k = '';
      for (let n = 1 + (next() % 3); n > 0; n--) k += alphabet[next() % alphabet.length];
      obj[k] = j;
    }
    names.push({ input: JSON.stringify(obj), json: canonicalize(obj) });
  }
  writeFileSync(new URL('jcs-numbers.json', here), JSON.stringify({ numbers, objects: names }) + '\n');
  console.log(`jcs-numbers.json: ${numbers.length} numbers, ${names.length} objects`);
}

const cmd = process.argv[2];
if (cmd === 'generate') {
  await generate();
  generateNumbers();
}
else if (cmd === 'verify') await verify(process.argv[3] ?? 'go-signed.json');
else {
  console.error('usage: node interop.mjs generate | verify [file]');
  process.exit(2);
}
