/**
 * A client for the fault control endpoint of a running emulator (`warden emulator` prints everything it
 * needs: endpoint, CA certificate path and a full-access token). Faults change; the estate stays.
 */
import https from 'node:https';
import { FAULTS_PATH } from './server';

/** Where a running emulator listens and how to reach it. */
export interface EmulatorAddress {
  /** `https://127.0.0.1:PORT`. */
  endpoint: string;
  /** A full-access token (WARDEN_ARM_TOKEN). */
  token: string;
  /** The PEM of the emulator's certificate. */
  caCert: string;
}

/** Replaces the fault spec of a running emulator ('' clears it); resolves to the active spec and the counts. */
export function setEmulatorFaults(
  emu: EmulatorAddress,
  spec: string,
): Promise<{ spec: string; injected: Record<string, number> }> {
  const url = new URL(FAULTS_PATH, emu.endpoint);
  const payload = JSON.stringify({ spec });
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'PUT',
        ca: emu.caCert,
        headers: {
          authorization: `Bearer ${emu.token}`,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
        },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          if (res.statusCode !== 200) {
            const message =
              typeof parsed === 'object' && parsed !== null && 'error' in parsed
                ? JSON.stringify((parsed as { error: unknown }).error)
                : text;
            reject(new Error(`emulator faults: ${res.statusCode ?? 0} ${message}`));
            return;
          }
          resolve(parsed as { spec: string; injected: Record<string, number> });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`emulator faults: no answer from ${emu.endpoint} in 10 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}
