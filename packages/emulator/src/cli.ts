/**
 * `warden emulator`: reads estate files, starts the emulator, prints one JSON line with the endpoint,
 * CA path, environment and fault control URL, and runs until SIGINT or SIGTERM. Faults can be switched while
 * it runs: `PUT {faultsUrl}` with `{"spec": "..."}` and the printed token (see `setEmulatorFaults`).
 */
import { readFile } from 'node:fs/promises';
import process from 'node:process';
import { FAULTS_PATH, parseFaultSpec, startEmulator } from './index';
import { isRecord } from './util';

/** Bad input to the emulator command (an unreadable estate file, a bad fault spec): the CLI answers exit 2. */
export class EmulatorInputError extends Error {
  override name = 'EmulatorInputError';
}

/** Arguments of the emulator command. */
export interface EmulatorCommandArgs {
  estateFiles: string[];
  port: number;
  faults?: string;
  seed?: number;
}

/** Rows of one estate file: a JSON object with a `data` array, or a bare array. */
export function estateRows(text: string, file: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new EmulatorInputError(`${file}: not valid JSON (${err instanceof Error ? err.message : String(err)})`, {
      cause: err,
    });
  }
  if (Array.isArray(parsed)) return parsed;
  if (isRecord(parsed) && Array.isArray(parsed['data'])) return parsed['data'];
  throw new EmulatorInputError(`${file}: expected a JSON array of rows or an object with a 'data' array`);
}

/** Runs the emulator until SIGINT/SIGTERM; prints exactly one JSON line to `out` once it listens. */
export async function runEmulatorCommand(args: EmulatorCommandArgs, out: NodeJS.WritableStream): Promise<void> {
  const estate: unknown[] = [];
  for (const file of args.estateFiles) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new EmulatorInputError(`--estate ${file}: cannot read: ${code ?? String(err)}`, { cause: err });
    }
    estate.push(...estateRows(text, file));
  }
  if (args.faults !== undefined) {
    try {
      parseFaultSpec(args.faults);
    } catch (err) {
      throw new EmulatorInputError(`--faults: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  const emu = await startEmulator({
    estate,
    port: args.port,
    ...(args.faults !== undefined ? { faults: args.faults } : {}),
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
  });
  out.write(
    JSON.stringify({
      endpoint: emu.endpoint,
      caCertPath: emu.caCertPath,
      env: emu.env,
      faultsUrl: `${emu.endpoint}${FAULTS_PATH}`,
    }) + '\n',
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void emu.stop().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
