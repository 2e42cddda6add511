/**
 * One-line errors: sign-in problems name `az login`, a refused connection names the endpoint and
 * WARDEN_ARM_ENDPOINT, Azure's details survive, and the stack trace appears only with --debug.
 */
import { connect } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AggregateAuthenticationError, CredentialUnavailableError } from '@azure/identity';
import { failureLine, inputErrorLine } from '../../src/cli/errors';
import { ResourceGraphQueryError } from '../../src/adapters/azure/resourceGraph';
import { runWarden } from '../support/cli';

/** The error a real TCP connection to a closed local port fails with. */
function refusedConnection(): Promise<Error> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: 1 });
    socket.once('error', (e) => resolve(e));
    socket.once('connect', () => {
      socket.destroy();
      resolve(Object.assign(new Error('port 1 accepted a connection'), { code: 'UNEXPECTED' }));
    });
  });
}

describe('one-line errors', () => {
  it('names az login when no credential is available', () => {
    const e = new AggregateAuthenticationError(
      [new CredentialUnavailableError('Azure CLI could not be found'), new CredentialUnavailableError('no IMDS')],
      'ChainedTokenCredential authentication failed.',
    );
    const line = failureLine(e, { command: 'sweep' });
    expect(line.message).toMatch(/^sweep: no Azure credential is available/);
    expect(line.hint).toMatch(/az login/);
    expect(line.message.includes('\n')).toBe(false);
  });

  it('names the endpoint and WARDEN_ARM_ENDPOINT when the connection is refused, however deeply it is wrapped', async () => {
    const refused = await refusedConnection();
    expect((refused as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    const wrapped = new Error('Resource Graph query failed', {
      cause: new Error('request failed', { cause: refused }),
    });
    const line = failureLine(wrapped, { command: 'sweep', armEndpoint: 'https://127.0.0.1:1' });
    expect(line.message).toBe('sweep: cannot connect to https://127.0.0.1:1 (ECONNREFUSED)');
    expect(line.hint).toMatch(/WARDEN_ARM_ENDPOINT/);
  });

  it("keeps Azure's details: the management group detail and the KQL parser's own message", () => {
    const mg = new ResourceGraphQueryError(
      'virtual-machines',
      {
        code: 'BadRequest',
        message: 'Please provide below info when asking for support: correlationId = 0590b5e3-a9b4.',
        statusCode: 400,
      },
      [
        {
          code: 'ManagementGroupNotFound',
          message: "Management group 'mg-nope' was not found or the caller has no access to it.",
        },
      ],
    );
    expect(inputErrorLine(mg)).toBe(
      "Resource Graph rejected query 'virtual-machines': ManagementGroupNotFound: Management group 'mg-nope' was not found or the caller has no access to it. [correlationId 0590b5e3-a9b4]",
    );
    const kql = new ResourceGraphQueryError(
      'adhoc',
      { code: 'InvalidQuery', message: 'Query is invalid.', statusCode: 400 },
      [
        { code: 'InvalidQuery', message: 'Query is invalid.' },
        {
          code: 'ParserFailure',
          message: 'Query operator expected.',
          line: 1,
          characterPositionInLine: 12,
          token: 'whre',
        },
      ],
    );
    expect(inputErrorLine(kql)).toBe(
      "Resource Graph rejected query 'adhoc': ParserFailure: Query operator expected. (line 1, position 12, token 'whre')",
    );
    expect(failureLine(new Error('AuthorizationFailed: no access'), { command: 'sweep' }).hint).toMatch(
      /Reader for sweep/,
    );
  });

  it('prints the stack trace only with --debug', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-errors-'));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"data": 5}');
    const plain = await runWarden(['plan', '--snapshot', bad]);
    expect(plain.code).toBe(2);
    expect(plain.stderr.trim().split('\n')).toHaveLength(1);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = await runWarden(['plan', '--snapshot', bad, '--debug']);
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});
