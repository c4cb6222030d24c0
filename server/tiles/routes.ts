import type { Config } from '../config.js';
import type { Database } from '../db/open.js';
import type { Api } from '../http/api.js';
export function tileRoutes(_api: Api, _database: Database, _config: Config): void {}
