/**
 * Configuration: the only reader of process.env and of config files. Settings come from defaults, then a
 * JSON file (`--config`, camelCase keys), then `WARDEN_*` environment variables (app settings in
 * Functions), each parsed once with zod. Every unknown or invalid key is named, all at once.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_ENGINE_CONFIG, type EngineConfig } from './core/engine-config';

const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);
const int = (min: number, max: number) =>
  z
    .union([
      z.number(),
      z
        .string()
        .regex(/^-?\d+$/, 'expected an integer')
        .transform(Number),
    ])
    .pipe(z.number().int().min(min).max(max));
const list = z.union([
  z.array(z.string()),
  z.string().transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ),
]);
const nonEmpty = z.string().trim().min(1);

/** Every setting, its schema and its environment variable. The README and local.settings.sample.json document each. */
export const SETTINGS = {
  mode: { env: 'WARDEN_MODE', schema: z.enum(['report', 'remediate']), default: 'report' as const },
  subscriptions: { env: 'WARDEN_SUBSCRIPTIONS', schema: list, default: [] as string[] },
  managementGroups: { env: 'WARDEN_MANAGEMENT_GROUPS', schema: list, default: [] as string[] },
  exemptTag: { env: 'WARDEN_EXEMPT_TAG', schema: nonEmpty, default: DEFAULT_ENGINE_CONFIG.exemptTag },
  vaultTag: { env: 'WARDEN_VAULT_TAG', schema: nonEmpty, default: DEFAULT_ENGINE_CONFIG.vaultTag },
  vaultResourceGroup: {
    env: 'WARDEN_VAULT_RESOURCE_GROUP',
    schema: z
      .string()
      .regex(/^[-\w._()]{1,90}$/, 'not a valid resource group name')
      .refine((v) => !v.endsWith('.'), 'a resource group name cannot end with a period'),
    default: DEFAULT_ENGINE_CONFIG.vaultResourceGroup,
  },
  vaultNameTemplate: {
    env: 'WARDEN_VAULT_NAME_TEMPLATE',
    schema: nonEmpty,
    default: DEFAULT_ENGINE_CONFIG.vaultNameTemplate,
  },
  storageRedundancy: {
    env: 'WARDEN_STORAGE_REDUNDANCY',
    schema: z.enum(['GeoRedundant', 'LocallyRedundant', 'ZoneRedundant']),
    default: DEFAULT_ENGINE_CONFIG.storageRedundancy,
  },
  policyName: { env: 'WARDEN_POLICY_NAME', schema: nonEmpty, default: DEFAULT_ENGINE_CONFIG.policyName },
  includePort80: { env: 'WARDEN_INCLUDE_PORT_80', schema: bool, default: DEFAULT_ENGINE_CONFIG.includePort80 },
  overrideExplicitStorageDeny: {
    env: 'WARDEN_OVERRIDE_EXPLICIT_STORAGE_DENY',
    schema: bool,
    default: DEFAULT_ENGINE_CONFIG.overrideExplicitStorageDeny,
  },
  initialBackup: { env: 'WARDEN_INITIAL_BACKUP', schema: bool, default: DEFAULT_ENGINE_CONFIG.initialBackup },
  initialBackupRetentionDays: {
    env: 'WARDEN_INITIAL_BACKUP_RETENTION_DAYS',
    schema: int(1, 99),
    default: DEFAULT_ENGINE_CONFIG.initialBackupRetentionDays,
  },
  maxActions: { env: 'WARDEN_MAX_ACTIONS', schema: int(0, 10_000), default: DEFAULT_ENGINE_CONFIG.maxActions },
  minWindowsAgentVersion: {
    env: 'WARDEN_MIN_WINDOWS_AGENT_VERSION',
    schema: z.string().regex(/^\d+(\.\d+)*$/, 'expected a dotted version such as 2.6.1198.718'),
    default: DEFAULT_ENGINE_CONFIG.minWindowsAgentVersion,
  },
  enhancedPolicyName: {
    env: 'WARDEN_ENHANCED_POLICY_NAME',
    schema: nonEmpty,
    default: DEFAULT_ENGINE_CONFIG.enhancedPolicyName,
  },
  backupGraceHours: {
    env: 'WARDEN_BACKUP_GRACE_HOURS',
    schema: int(0, 24 * 31),
    default: DEFAULT_ENGINE_CONFIG.backupGraceHours,
  },
  vaultSubscription: {
    env: 'WARDEN_VAULT_SUBSCRIPTION',
    schema: z.union([
      z.literal(''),
      z
        .string()
        .trim()
        .regex(
          /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
          'expected a subscription id (a GUID)',
        )
        .transform((v) => v.toLowerCase()),
    ]),
    default: DEFAULT_ENGINE_CONFIG.vaultSubscription,
  },
  vaultPublicNetworkAccess: {
    env: 'WARDEN_VAULT_PUBLIC_NETWORK_ACCESS',
    schema: z.enum(['Enabled', 'Disabled']),
    default: DEFAULT_ENGINE_CONFIG.vaultPublicNetworkAccess,
  },
  armEndpoint: {
    env: 'WARDEN_ARM_ENDPOINT',
    schema: z.url({ protocol: /^https$/, error: 'expected an https:// URL' }),
    default: 'https://management.azure.com',
  },
  caCertPath: { env: 'WARDEN_CA_CERT_PATH', schema: z.string(), default: '' },
  armToken: { env: 'WARDEN_ARM_TOKEN', schema: z.string(), default: '' },
  managedIdentityClientId: { env: 'WARDEN_MANAGED_IDENTITY_CLIENT_ID', schema: z.string(), default: '' },
  writeConcurrency: { env: 'WARDEN_WRITE_CONCURRENCY', schema: int(1, 64), default: 4 },
  requestTimeoutSeconds: { env: 'WARDEN_REQUEST_TIMEOUT_SECONDS', schema: int(1, 600), default: 30 },
  operationDeadlineSeconds: { env: 'WARDEN_OPERATION_DEADLINE_SECONDS', schema: int(1, 3_600), default: 300 },
  runBudgetSeconds: { env: 'WARDEN_RUN_BUDGET_SECONDS', schema: int(10, 86_400), default: 1_500 },
  sweepSchedule: {
    env: 'WARDEN_SWEEP_SCHEDULE',
    schema: z
      .string()
      .trim()
      .regex(/^\S+( \S+){5}$/, 'expected a six-field NCRONTAB expression such as "0 0 */6 * * *"'),
    default: '0 0 */6 * * *',
  },
  eventDebounceSeconds: { env: 'WARDEN_EVENT_DEBOUNCE_SECONDS', schema: int(0, 86_400), default: 300 },
  eventDedupeHours: { env: 'WARDEN_EVENT_DEDUPE_HOURS', schema: int(1, 168), default: 48 },
} as const;

type Settings = typeof SETTINGS;
type SettingName = keyof Settings;

/** The parsed configuration: each setting as its schema outputs it. */
export type AppConfig = { [K in SettingName]: z.output<Settings[K]['schema']> };

/** Compile-time proof that the settings' schemas cover the engine's settings with the engine's types. */
const _coversEngine = (config: AppConfig): EngineConfig => config;

/** Raised for bad configuration; `problems` names each bad key. Exit code 2 in the CLI. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Where settings come from. `env` defaults to process.env. */
export interface ConfigSources {
  file?: string;
  env?: Record<string, string | undefined>;
  /** Highest precedence, e.g. CLI flags. */
  overrides?: Partial<Record<SettingName, unknown>>;
}

const names = Object.keys(SETTINGS) as SettingName[];
const envNames = new Map<string, SettingName>(names.map((n) => [SETTINGS[n].env, n]));

/** Environment variables the app reads that are not WARDEN_* settings (kept here so config.ts stays the one reader). */
export const OTHER_ENV = [
  'APPLICATIONINSIGHTS_CONNECTION_STRING',
  'AzureWebJobsStorage',
  'AzureWebJobsStorage__accountName',
  'AzureWebJobsStorage__clientId',
] as const;

/** Loads and validates the configuration; throws ConfigError naming every bad key. */
export function loadConfig(sources: ConfigSources = {}): AppConfig {
  const problems: string[] = [];
  const raw: Partial<Record<SettingName, { value: unknown; origin: string }>> = {};

  if (sources.file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(sources.file, 'utf8'));
    } catch (e) {
      throw new ConfigError([`${sources.file}: ${(e as Error).message}`]);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError([`${sources.file}: expected a JSON object of settings`]);
    }
    for (const [key, value] of Object.entries(parsed)) {
      if (key === '$schema' || key === '//') continue;
      if (!(key in SETTINGS)) problems.push(`${sources.file}: unknown key '${key}' (known: ${names.join(', ')})`);
      else raw[key as SettingName] = { value, origin: `${sources.file}: ${key}` };
    }
  }

  const env = sources.env ?? process.env;
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('WARDEN_') || value === undefined) continue;
    const name = envNames.get(key);
    if (!name) problems.push(`environment: unknown variable ${key}`);
    else raw[name] = { value, origin: key };
  }
  for (const [key, value] of Object.entries(sources.overrides ?? {})) {
    if (value !== undefined) raw[key as SettingName] = { value, origin: `--${key}` };
  }

  const out: Record<string, unknown> = {};
  for (const name of names) {
    const setting = SETTINGS[name];
    const given = raw[name];
    if (!given) {
      out[name] = setting.default;
      continue;
    }
    const result = (setting.schema as z.ZodType).safeParse(given.value);
    if (result.success) out[name] = result.data;
    else
      problems.push(
        `${given.origin}: ${result.error.issues.map((i) => i.message).join('; ')} (got ${JSON.stringify(given.value)})`,
      );
  }
  if (problems.length) throw new ConfigError(problems);
  return out as unknown as AppConfig;
}

/** The engine's slice of the configuration. */
export function engineConfigOf(config: AppConfig): EngineConfig {
  const engine = {} as Record<string, unknown>;
  for (const key of Object.keys(DEFAULT_ENGINE_CONFIG))
    engine[key] = (config as unknown as Record<string, unknown>)[key];
  return engine as unknown as EngineConfig;
}

/** Reads a non-WARDEN environment variable the app needs (Application Insights, storage). */
export function otherEnv(
  name: (typeof OTHER_ENV)[number],
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** Reads a terminal convention the CLI honours (NO_COLOR, FORCE_COLOR); the Function App never reads them. */
export function terminalEnv(
  name: 'NO_COLOR' | 'FORCE_COLOR',
  env: Record<string, string | undefined> | undefined = process.env,
): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}
