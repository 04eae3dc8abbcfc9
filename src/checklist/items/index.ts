// Every checklist item, in the order the checklist shows them (grouped by category).
import type { ItemDef } from '../types.js';
import { secretItems } from './secrets.js';
import { redisItems } from './redis.js';
import { alertingItems } from './alerting.js';
import { reliabilityItems } from './reliability.js';
import { observabilityItems } from './observability.js';
import { miscItems } from './misc.js';

export const allItems: ItemDef[] = [...secretItems, ...redisItems, ...alertingItems, ...reliabilityItems, ...observabilityItems, ...miscItems];
