/**
 * The route table of `dthostmon serve`: every resource's routes in one list. The router matches literal segments
 * before parameters, so the order here does not matter (two routes of the same method and shape are a startup error).
 */
import type { Route } from '../types.js';
import { readRoutes } from './api-v1.js';
import { createHealthRoutes, type HealthOptions } from './health.js';
import { legacyRoutes } from './legacy.js';
import { createRegisterRoutes, type RegisterRouteOptions } from './register.js';

/**
 * Every route. `health`: what serve knows at start (the --schedule interval, when it started); `register`: the
 * environment and home directory registration resolves the config with (tests).
 */
export function buildRoutes(health: HealthOptions = {}, register: RegisterRouteOptions = {}): Route[] {
  return [...createHealthRoutes(health), ...readRoutes, ...legacyRoutes, ...createRegisterRoutes(register)];
}

/** Every route with default options. */
export const ROUTES: Route[] = buildRoutes();
