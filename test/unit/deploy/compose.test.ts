/**
 * dca-dthostmon.yml, docker/dthostmon.yaml and docker/compose.env.example, checked statically: the dthostmon service
 * runs `serve --schedule` (a command the CLI accepts) on the port the config serves, after a healthy PostgreSQL,
 * with the config directory mounted read-write and the image's data and logs volumes; the config loads with the
 * real loader from exactly the environment compose gives the container, and every path it writes is on a volume.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDotenv } from '../../../src/config/env.js';
import { loadConfigText } from '../../../src/config/load.js';
import type { LoadedConfig } from '../../../src/config/types.js';
import { parseSchedule } from '../../../src/serve/schedule.js';
import { apiSettings } from '../../../src/serve/server.js';
import { repoRoot } from '../../helpers/cli.js';
import {
  argvProblems,
  composeInterpolate,
  composeVariables,
  configVariables,
  isEnvReadByCode,
  optionValue,
  readYamlDocuments,
  runtimeImage,
} from '../../helpers/deploy-files.js';

interface ComposeService {
  build?: string;
  image: string;
  command?: string[];
  env_file?: string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[]; interval?: string; timeout?: string; start_period?: string; retries?: number };
  stop_grace_period?: string;
  restart?: string;
}

const COMPOSE_FILE = join(repoRoot, 'dca-dthostmon.yml');
const composeText = readFileSync(COMPOSE_FILE, 'utf8');
const [compose] = readYamlDocuments(COMPOSE_FILE) as [{ services: Record<string, ComposeService>; volumes: Record<string, unknown> }];
const app = compose.services.dthostmon!;
const postgres = compose.services.postgres!;
const image = runtimeImage();
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** .env as the user makes it from the example. */
const dotenv = parseDotenv(readFileSync(join(repoRoot, 'docker', 'compose.env.example'), 'utf8')).values;
/** The container's environment: the image's ENV, then env_file, then `environment` (compose's order of precedence). */
const containerEnv: Record<string, string> = {
  ...image.env,
  ...dotenv,
  ...Object.fromEntries(Object.entries(app.environment ?? {}).map(([k, v]) => [k, composeInterpolate(String(v), dotenv)])),
};
const configPath = containerEnv.DTHOSTMON_CONFIG!;
const configText = readFileSync(join(repoRoot, 'docker', 'dthostmon.yaml'), 'utf8');
const loadContainerConfig = (): LoadedConfig => loadConfigText(configText, configPath, { env: containerEnv, homeDir: '/opt/dthostmon' });

/** `host:container[:mode]` volume entries of the dthostmon service. */
const mounts = (app.volumes ?? []).map((v) => {
  const [source, target, mode] = v.split(':') as [string, string, string | undefined];
  return { source, target, mode: mode ?? 'rw' };
});
const mountOf = (path: string) => mounts.find((m) => path === m.target || path.startsWith(`${m.target}/`));

describe('dca-dthostmon.yml', () => {
  it('builds the image of this version from the Dockerfile', () => {
    expect(app.build).toBe('.');
    expect(app.image).toBe(`dthostmon:${version}`);
    expect(app.restart).toBe('unless-stopped');
  });

  it('runs `serve --schedule` on all interfaces: a command the CLI accepts, with a valid schedule', () => {
    const argv = app.command!;
    expect(argv).toEqual(image.cmd);
    expect(argvProblems(argv)).toEqual([]);
    expect(argv[0]).toBe('serve');
    expect(optionValue(argv, '--bind')).toBe('0.0.0.0');
    expect(() => parseSchedule(optionValue(argv, '--schedule')!)).not.toThrow();
  });

  it('publishes the port the config serves on', () => {
    const api = apiSettings(loadContainerConfig());
    expect(app.ports).toEqual([`${api.port}:${api.port}`]);
    expect(image.exposed).toContain(api.port);
  });

  it('mounts the config directory read-write, and the data and logs volumes of the image', () => {
    expect(mountOf(configPath)).toEqual({ source: './config', target: dirname(configPath), mode: 'rw' });
    for (const volume of image.volumes) expect(mounts.map((m) => m.target)).toContain(volume);
    for (const named of mounts.filter((m) => !m.source.startsWith('.'))) expect(Object.keys(compose.volumes)).toContain(named.source);
  });

  it('starts after PostgreSQL is healthy; PostgreSQL has its own health check', () => {
    expect(app.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(postgres.image).toMatch(/^postgres:1[56](-|$)/);
    expect(postgres.healthcheck?.test.join(' ')).toMatch(/pg_isready -U dthostmon -d dthostmon/);
  });

  it('checks health with the image HEALTHCHECK, and lets a running pass end before it kills serve', () => {
    expect(app.healthcheck?.test).toEqual(['CMD', ...image.healthcheck.command]);
    expect(app.healthcheck?.interval).toBe(image.healthcheck.options.interval);
    expect(app.healthcheck?.start_period).toBe(image.healthcheck.options['start-period']);
    const passTimeoutS = loadContainerConfig().pass.passTimeoutMs / 1000;
    expect(Number.parseInt(app.stop_grace_period!, 10)).toBeGreaterThan(passTimeoutS);
  });

  it('gives the container PostgreSQL through DATABASE_URL: the postgres service, its user and database', () => {
    const config = loadContainerConfig();
    expect(config.warnings).toEqual([]);
    expect(config.reviewNotes).toEqual([]);
    expect(config.store.dialect).toBe('postgres');
    const url = new URL((config.store as { url: string }).url);
    expect(url.hostname).toBe('postgres');
    expect(url.username).toBe(postgres.environment!.POSTGRES_USER);
    expect(url.pathname).toBe(`/${postgres.environment!.POSTGRES_DB}`);
    expect(url.password).toBe(dotenv.POSTGRES_PASSWORD);
    expect(composeInterpolate(postgres.environment!.POSTGRES_PASSWORD!, dotenv)).toBe(dotenv.POSTGRES_PASSWORD);
    expect(() => composeInterpolate(app.environment!.DATABASE_URL!, {})).toThrow(/POSTGRES_PASSWORD/);
  });

  it('writes reports, the outbox, retention archives and the SSH key only where a volume is mounted', () => {
    const config = loadContainerConfig();
    const writable = [config.pass.reportsDir, config.delivery.outboxDir, config.retention.archiveDir, config.hosts[0]!.ssh.keyPath!];
    for (const path of writable) expect({ path, mount: mountOf(path)?.mode }).toEqual({ path, mount: 'rw' });
    // `setup --generate-key` writes the key into the config directory on the Docker host.
    expect(mountOf(config.hosts[0]!.ssh.keyPath!)?.source).toBe('./config');
  });

  it('every variable is defined: compose interpolation and the config ${VAR} come from .env', () => {
    for (const name of composeVariables(composeText)) expect({ name, defined: name in dotenv }).toEqual({ name, defined: true });
    const { required, optional } = configVariables(configText);
    for (const name of required) expect({ name, defined: name in containerEnv }).toEqual({ name, defined: true });
    // Every variable of the example has a reader: dthostmon's code, the config, or compose itself.
    const used = new Set([...required, ...optional, ...composeVariables(composeText)]);
    for (const name of Object.keys(dotenv)) expect({ name, used: used.has(name) || isEnvReadByCode(name) }).toEqual({ name, used: true });
    for (const name of Object.keys(app.environment ?? {})) expect({ name, used: used.has(name) || isEnvReadByCode(name) }).toEqual({ name, used: true });
    expect(app.env_file).toBe('.env');
  });
});
