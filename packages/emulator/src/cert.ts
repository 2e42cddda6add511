/**
 * The emulator's TLS identity: a self-signed certificate for 127.0.0.1 and localhost, made at start-up
 * with `selfsigned` (no openssl). Clients trust it by passing the PEM as a CA
 * (core-rest-pipeline `tlsOptions: { ca }`) or through NODE_EXTRA_CA_CERTS.
 */
import { generate } from 'selfsigned';

/** PEM texts of the certificate and its private key. */
export interface TlsIdentity {
  cert: string;
  key: string;
}

/** Generates a fresh self-signed certificate valid for 30 days. */
export async function makeTlsIdentity(): Promise<TlsIdentity> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 30 * 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'backup-warden Azure emulator' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
