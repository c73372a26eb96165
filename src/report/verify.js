// Checks the epoch this report describes, in the browser: the manifest's
// eddsa-jcs-2022 proof (RFC 8785 canonical JSON, SHA-256, Ed25519 through
// WebCrypto) and every listed file's size and SHA-256. The files are fetched
// beside the report (EPOCH_BASE), or taken from files dropped on the page.
// (CIDs and the CAR are not checked here: `scoreset verify` does that.)
"use strict";
const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

function base58(text) {
  const bytes = [];
  for (const c of text) {
    let carry = B58.indexOf(c);
    if (carry < 0) throw new Error("not base58btc");
    for (let i = 0; i < bytes.length; i++) {
      carry += bytes[i] * 58;
      bytes[i] = carry & 0xff;
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.push(carry & 0xff);
      carry >>= 8;
    }
  }
  for (const c of text) {
    if (c !== "1") break;
    bytes.push(0);
  }
  return new Uint8Array(bytes.reverse());
}

// RFC 8785: ECMAScript number and string forms, keys sorted by UTF-16 code units.
function jcs(value) {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return "[" + value.map(jcs).join(",") + "]";
  return "{" + Object.keys(value).sort().map((k) => JSON.stringify(k) + ":" + jcs(value[k])).join(",") + "}";
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

class Invalid extends Error {
  constructor(file, reason) {
    super(file + ": " + reason);
    this.file = file;
  }
}

// read(name) resolves to an ArrayBuffer, or null when the file is missing.
async function checkEpoch(read, expectedManifestSha) {
  const manifestBytes = await read("manifest.json");
  if (!manifestBytes) throw new Invalid("manifest.json", "missing");
  let text, doc;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(manifestBytes);
    doc = JSON.parse(text);
  } catch (e) {
    throw new Invalid("manifest.json", "not JSON (" + e.message + ")");
  }
  if (jcs(doc) !== text) throw new Invalid("manifest.json", "not in RFC 8785 canonical form");
  const proof = doc.proof;
  if (!proof || proof.type !== "DataIntegrityProof" || proof.cryptosuite !== "eddsa-jcs-2022")
    throw new Invalid("manifest.json", "no eddsa-jcs-2022 proof");
  const { proofValue, ...config } = proof;
  const { proof: _, ...unsecured } = doc;
  const encoder = new TextEncoder();
  const hashData = new Uint8Array(64);
  hashData.set(await sha256(encoder.encode(jcs(config))), 0);
  hashData.set(await sha256(encoder.encode(jcs(unsecured))), 32);
  const did = String(proof.verificationMethod || "").split("#")[0];
  if (!did.startsWith("did:key:z")) throw new Invalid("manifest.json", "the proof's key is not a did:key");
  if (doc.issuer !== did) throw new Invalid("manifest.json", "the issuer is not the proof's signer");
  const multikey = base58(did.slice("did:key:z".length));
  if (multikey.length !== 34 || multikey[0] !== 0xed || multikey[1] !== 0x01)
    throw new Invalid("manifest.json", "the did:key is not an Ed25519 key");
  if (typeof proofValue !== "string" || proofValue[0] !== "z") throw new Invalid("manifest.json", "proofValue is not base58btc");
  const signature = base58(proofValue.slice(1));
  if (signature.length !== 64) throw new Invalid("manifest.json", "proofValue is not a 64-byte signature");
  const key = await crypto.subtle.importKey("raw", multikey.slice(2), { name: "Ed25519" }, false, ["verify"]);
  if (!(await crypto.subtle.verify({ name: "Ed25519" }, key, signature, hashData)))
    throw new Invalid("manifest.json", "the Ed25519 signature does not verify");
  if (expectedManifestSha && hex(await sha256(manifestBytes)) !== expectedManifestSha)
    throw new Invalid("manifest.json", "valid, but not the manifest this report was made from");
  const outputs = doc.credentialSubject.outputs;
  for (const output of outputs) {
    const bytes = await read(output.name);
    if (!bytes) throw new Invalid(output.name, "missing");
    if (bytes.byteLength !== output.size)
      throw new Invalid(output.name, bytes.byteLength + " bytes, the manifest says " + output.size);
    if (hex(await sha256(bytes)) !== output.sha256) throw new Invalid(output.name, "its SHA-256 differs from the manifest");
  }
  return { signer: did, files: outputs.length };
}

function show(status, message) {
  const verdict = document.getElementById("verdict");
  verdict.dataset.status = status;
  verdict.className = "verdict " + status.toLowerCase();
  verdict.textContent = status + (message ? " \u2014 " + message : "");
}

async function run(read) {
  show("CHECKING", "");
  try {
    const ok = await checkEpoch(read, REPORT.manifestSha256);
    show("VALID", "signed by " + ok.signer + "; the manifest's proof and all " + ok.files + " files' SHA-256 check out");
  } catch (e) {
    if (e instanceof Invalid) show("INVALID", e.message);
    else show("CANNOT CHECK", e.message + " (open the report beside the epoch's files, or drop them here)");
  }
}

function fromBase(name) {
  return fetch(REPORT.epochBase + name, { cache: "no-store" }).then((r) => (r.ok ? r.arrayBuffer() : null), () => null);
}

document.addEventListener("DOMContentLoaded", () => {
  run(fromBase);
  document.body.addEventListener("dragover", (e) => e.preventDefault());
  document.body.addEventListener("drop", (e) => {
    e.preventDefault();
    const files = new Map(Array.from(e.dataTransfer.files, (f) => [f.name, f]));
    run((name) => (files.has(name) ? files.get(name).arrayBuffer() : Promise.resolve(null)));
  });
});
