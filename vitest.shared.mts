import { fileURLToPath } from 'node:url';

const emulatorSrc = fileURLToPath(new URL('./packages/emulator/src/', import.meta.url));

/** Every suite runs the emulator from its TypeScript sources, as the typecheck's `paths` do. */
export const emulatorFromSources = {
  alias: [
    { find: /^@backup-warden\/emulator$/, replacement: `${emulatorSrc}index.ts` },
    { find: /^@backup-warden\/emulator\/(.*)$/, replacement: `${emulatorSrc}$1.ts` },
  ],
};
