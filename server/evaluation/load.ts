/** The evaluation configuration of this server: the defaults, with the JSON file named by EVALUATION_CONFIG laid over. */
import fs from 'node:fs';
import { CHANNELS } from '../cases/intake.js';
import { DEFAULT_CONFIG, evaluationConfig, type EvaluationConfig } from './config.js';

/** Reads and checks the override file (throws at start-up naming every problem); no file → the defaults. */
export function loadEvaluationConfig(file: string | undefined): EvaluationConfig {
  if (!file) return DEFAULT_CONFIG;
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`EVALUATION_CONFIG: cannot read ${file} as JSON: ${(e as Error).message}`, { cause: e });
  }
  return evaluationConfig(json, CHANNELS);
}
