/**
 * The responsibility library admin API (责权库维护): departments, rules, area classes, collectors, collector areas
 * (the components are in server/components). Reads are public (PUBLIC_READ); writes need role admin or gis_editor, stay inside the editor's
 * region scope, and each commits with one audit_event row and an assignment_version bump.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Api } from '../http/api.js';
import { areaClassRoutes } from './area-classes.js';
import { collectorAreaRoutes } from './collector-areas.js';
import { collectorRoutes } from './collectors.js';
import { departmentRoutes } from './departments.js';
import { ruleRoutes } from './rules.js';

export function responsibilityRoutes(api: Api, db: Kysely<DB>): void {
  departmentRoutes(api, db);
  ruleRoutes(api, db);
  areaClassRoutes(api, db);
  collectorRoutes(api, db);
  collectorAreaRoutes(api, db);
}
