import { it, expect } from 'vitest';
import { makeTlsIdentity } from '../../src/emulator/cert';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
it('tls', async () => {
  const t = Date.now();
  const id = await makeTlsIdentity();
  console.log('gen ms', Date.now() - t);
  const srv = https.createServer({ cert: id.cert, key: id.key }, (_req, res) => { res.end('ok'); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  const body = await new Promise<string>((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: '/', ca: id.cert }, (res) => {
      let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => resolve(b));
    }).on('error', reject);
  });
  srv.close();
  expect(body).toBe('ok');
});
