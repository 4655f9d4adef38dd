/** The read routes of `dthostmon serve` under /api/v1 (all behind the API key). */
import type { Route } from '../types.js';
import { auditRoutes } from './audit.js';
import { hostDetailRoutes } from './host-details.js';
import { hostRoutes } from './hosts.js';
import { reportRoutes } from './reports.js';
import { runRoutes } from './runs.js';
import { siteRoutes } from './sites.js';

export const readRoutes: Route[] = [...hostRoutes, ...hostDetailRoutes, ...siteRoutes, ...runRoutes, ...reportRoutes, ...auditRoutes];
