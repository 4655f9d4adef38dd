import type { ContainerInfo } from '../types.js';
import { shQuote } from './shell.js';

/** `docker inspect` template: only what we use, as one JSON object per line. */
const INSPECT_FORMAT = '{"Id":{{json .Id}},"Name":{{json .Name}},"RestartCount":{{json .RestartCount}},"State":{{json .State}}}';

/**
 * Body of the probe's `docker` section: `docker ps -a` as JSON lines (`ps <json>`), then one `docker inspect` of
 * every listed container (`inspect <json>`: restart count, state, health). Prints `absent` when there is no docker
 * command; a daemon that does not answer fails the section with docker's own message.
 */
export function dockerProbeBody(): string {
  return [
    'command -v docker >/dev/null 2>&1 || { echo absent; return 0; }',
    `_dk=$(docker ps -a --no-trunc --format '{{json .}}') || return $?`,
    '[ -n "$_dk" ] || return 0',
    `printf '%s\\n' "$_dk" | sed 's/^/ps /'`,
    `_di=$(printf '%s\\n' "$_dk" | sed -n 's/.*"ID":"\\([0-9A-Za-z]*\\)".*/\\1/p')`,
    `[ -z "$_di" ] || docker inspect --format ${shQuote(INSPECT_FORMAT)} $_di | sed 's/^/inspect /'`,
  ].join('\n');
}

/**
 * Parses the `docker` section: the containers (ps joined with inspect by id), or null when the host has no docker.
 * Lines that do not parse are ignored; a container inspect did not describe keeps what ps said.
 */
export function parseDockerSection(stdout: string): ContainerInfo[] | null {
  const lines = stdout.split('\n');
  if (lines.some((l) => l.trim() === 'absent')) return null;
  const containers: ContainerInfo[] = [];
  const byId = new Map<string, ContainerInfo>();
  for (const line of lines) {
    if (line.startsWith('ps ')) {
      const ps = parseObject(line.slice(3));
      const id = text(ps?.ID);
      if (!ps || !id) continue;
      const container: ContainerInfo = {
        id,
        name: (text(ps.Names) ?? id.slice(0, 12)).split(',')[0] ?? id,
        image: text(ps.Image) ?? '',
        state: text(ps.State) ?? 'unknown',
        health: healthFromStatus(text(ps.Status)),
        restartCount: 0,
        exitCode: null,
        startedAt: null,
      };
      containers.push(container);
      byId.set(id, container);
    } else if (line.startsWith('inspect ')) {
      const inspect = parseObject(line.slice(8));
      const container = byId.get(text(inspect?.Id) ?? '');
      if (!inspect || !container) continue;
      const state = parseObjectValue(inspect.State);
      const health = parseObjectValue(state?.Health);
      container.restartCount = typeof inspect.RestartCount === 'number' ? inspect.RestartCount : 0;
      container.state = text(state?.Status) ?? container.state;
      container.health = text(health?.Status) ?? container.health;
      container.exitCode = typeof state?.ExitCode === 'number' ? state.ExitCode : null;
      const startedAt = text(state?.StartedAt);
      container.startedAt = startedAt && !startedAt.startsWith('0001-') ? startedAt : null;
    }
  }
  return containers;
}

/** `Up 3 hours (unhealthy)` -> `unhealthy`; ps's only hint of health when inspect is missing. */
function healthFromStatus(status: string | null): string | null {
  return /\((healthy|unhealthy|health: starting)\)/.exec(status ?? '')?.[1]?.replace('health: ', '') ?? null;
}

function parseObject(json: string): Record<string, unknown> | null {
  try {
    return parseObjectValue(JSON.parse(json));
  } catch {
    return null;
  }
}

function parseObjectValue(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}
