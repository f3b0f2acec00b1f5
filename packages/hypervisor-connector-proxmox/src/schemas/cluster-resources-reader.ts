import type { PveClusterResource } from './cluster.js';
import { directSchema, recordNormaliser } from './pve-record.js';
import { clusterResourceFields } from './record-fields.js';

const normaliseItem = recordNormaliser(clusterResourceFields, 'in-place');

const isText = (v: unknown) => v === undefined || (typeof v === 'string' && v !== '');
const isNumber = (v: unknown) => v === undefined || typeof v === 'number';

/**
 * Whether a `/cluster/resources` item is already in the form the readers of {@link clusterResourceFields} give (every
 * read field absent, a number, or a non-empty string as its kind wants), `template` aside: then nothing needs
 * writing but `template`'s 0/1. Each property is named in the code, so V8 reads it through the items' shared shape;
 * a loop over the field table makes every read a keyed, megamorphic lookup.
 */
function isUsual(item: Record<string, unknown>): boolean {
  const template = item.template;
  return (
    typeof item.id === 'string' &&
    typeof item.type === 'string' &&
    isText(item.node) &&
    isNumber(item.vmid) &&
    isText(item.name) &&
    isText(item.status) &&
    (template === undefined || typeof template === 'number' || typeof template === 'boolean') &&
    isNumber(item.maxcpu) &&
    isNumber(item.cpu) &&
    isNumber(item.maxmem) &&
    isNumber(item.mem) &&
    isNumber(item.maxdisk) &&
    isNumber(item.disk) &&
    isNumber(item.netin) &&
    isNumber(item.netout) &&
    isNumber(item.uptime) &&
    isText(item.hastate) &&
    isText(item.pool) &&
    isText(item.lock) &&
    isText(item.tags)
  );
}

/**
 * `/cluster/resources` read in place (the response just parsed is normalised, not copied). An item in the usual form
 * passes on `typeof` checks alone; any other goes through the field readers of {@link clusterResourceFields}, so the
 * values and the first problem are exactly those of `pveRecords(clusterResourceFields, 'in-place')`, at a fraction
 * of its cost on a large fleet.
 */
export const ClusterResourcesInPlaceSchema = directSchema<PveClusterResource[]>((input) => {
  if (!Array.isArray(input)) return { path: [], message: 'expected an array', input };
  for (let index = 0; index < input.length; index++) {
    const item: unknown = input[index];
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      const record = item as Record<string, unknown>;
      if (isUsual(record)) {
        if (typeof record.template === 'number') record.template = record.template !== 0;
        continue;
      }
    }
    const result = normaliseItem(item, index);
    if (!('value' in result)) return result;
  }
  return { value: input };
});
