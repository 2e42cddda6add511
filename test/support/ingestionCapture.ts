/**
 * A stand-in for the Application Insights IngestionEndpoint ("Breeze"): an HTTPS server on a free port
 * that captures the envelopes the real SDK posts to `/v2.1/track` (or `/v2/track`) and answers like the
 * service does (`{itemsReceived, itemsAccepted, errors: []}`).
 *
 * It must be HTTPS: the SDK rewrites an `http://` IngestionEndpoint to https. Its certificate is
 * self-signed, made at start with `selfsigned`; the SDK trusts it because `createTelemetry({ caCert })`
 * hands the PEM to the exporter pipeline's `tlsOptions.ca`. Nothing process-wide is changed
 * (no NODE_TLS_REJECT_UNAUTHORIZED, which would also stop verifying every other TLS peer of the process).
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { generate } from 'selfsigned';
import { z } from 'zod';

/** An envelope as the exporter sends it (only the fields the tests read are typed). */
export interface Envelope {
  name: string;
  time: string;
  iKey: string;
  tags: Record<string, string>;
  data: { baseType: string; baseData: Record<string, unknown> };
}

const envelopeSchema = z.looseObject({
  name: z.string(),
  time: z.string(),
  iKey: z.string(),
  tags: z.record(z.string(), z.string()).default({}),
  data: z.looseObject({ baseType: z.string(), baseData: z.record(z.string(), z.unknown()) }),
});

/** One captured POST. */
export interface CapturedRequest {
  path: string;
  contentEncoding?: string;
  envelopes: Envelope[];
}

/** A running capture server. */
export interface IngestionCapture {
  /** `InstrumentationKey=...;IngestionEndpoint=https://127.0.0.1:PORT/`. */
  connectionString: string;
  instrumentationKey: string;
  /** PEM of the server's self-signed certificate (pass it as `caCert`). */
  caCert: string;
  port: number;
  /** Every envelope received so far, in arrival order. */
  envelopes(): Envelope[];
  /** Every request received so far. */
  requests(): CapturedRequest[];
  /** Resolves with the envelopes once `predicate` holds for those received so far; rejects after `timeoutMs`. */
  waitFor(predicate: (envelopes: Envelope[]) => boolean, timeoutMs?: number): Promise<Envelope[]>;
  stop(): Promise<void>;
}

/** The Breeze answer for `n` accepted items. */
function breezeResponse(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Makes a self-signed certificate for 127.0.0.1 and localhost. */
async function makeCertificate(): Promise<{ cert: string; key: string }> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const pems = await generate([{ name: 'commonName', value: 'backup-warden ingestion capture' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 24 * 3_600_000),
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/** Starts the capture server on a free port of 127.0.0.1. */
export async function startIngestionCapture(options: { instrumentationKey?: string } = {}): Promise<IngestionCapture> {
  const instrumentationKey = options.instrumentationKey ?? '11111111-2222-4333-8444-555555555555';
  const { cert, key } = await makeCertificate();
  const captured: CapturedRequest[] = [];
  const waiters = new Set<() => void>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      if (req.method !== 'POST' || (path !== '/v2.1/track' && path !== '/v2/track')) {
        breezeResponse(res, 404, { error: `no route for ${req.method} ${path}` });
        return;
      }
      try {
        const raw = Buffer.concat(chunks);
        const encoding = req.headers['content-encoding'];
        const body = encoding === 'gzip' ? gunzipSync(raw) : raw;
        const parsed: unknown = JSON.parse(body.toString('utf8'));
        const envelopes = z.array(envelopeSchema).parse(Array.isArray(parsed) ? parsed : [parsed]) as Envelope[];
        captured.push({ path, ...(encoding ? { contentEncoding: encoding } : {}), envelopes });
        breezeResponse(res, 200, { itemsReceived: envelopes.length, itemsAccepted: envelopes.length, errors: [] });
        for (const wake of [...waiters]) wake();
      } catch (err) {
        breezeResponse(res, 400, {
          itemsReceived: 0,
          itemsAccepted: 0,
          errors: [{ index: 0, statusCode: 400, message: String(err) }],
        });
      }
    });
  };

  const server: Server = createServer({ cert, key }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('capture server has no port');
  const port = address.port;
  const envelopes = (): Envelope[] => captured.flatMap((r) => r.envelopes);

  return {
    connectionString: `InstrumentationKey=${instrumentationKey};IngestionEndpoint=https://127.0.0.1:${port}/`,
    instrumentationKey,
    caCert: cert,
    port,
    envelopes,
    requests: () => captured.map((r) => ({ ...r, envelopes: [...r.envelopes] })),
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise<Envelope[]>((resolve, reject) => {
        const check = (): boolean => {
          const all = envelopes();
          if (!predicate(all)) return false;
          clearTimeout(timer);
          waiters.delete(onArrival);
          resolve(all);
          return true;
        };
        const onArrival = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(onArrival);
          reject(
            new Error(
              `timed out after ${timeoutMs} ms; received ${
                envelopes()
                  .map((e) => e.name)
                  .join(', ') || 'nothing'
              }`,
            ),
          );
        }, timeoutMs);
        waiters.add(onArrival);
        check();
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
