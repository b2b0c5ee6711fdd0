/**
 * Cache keys and invalidation tags. A resource's key is its tag (`resource:42`); every list page
 * (`list:<limit>:<cursor>`) carries the one tag `list`, so a write invalidates all pages by bumping
 * one version instead of finding their keys.
 */
export const LIST_TAG = 'list';
const LIST_PREFIX = 'list:';

export function resourceKey(id: number): string {
  return `resource:${id}`;
}

export function listKey(limit: number, cursor: string | undefined): string {
  return `${LIST_PREFIX}${limit}:${cursor ?? ''}`;
}

export function isListKey(key: string): boolean {
  return key.startsWith(LIST_PREFIX);
}

/** The tag a key is invalidated by. */
export function tagOf(key: string): string {
  return isListKey(key) ? LIST_TAG : key;
}

/** The tags a write to resource `id` invalidates (the resource and every list page). */
export function resourceWriteTags(id: number): string[] {
  return [resourceKey(id), LIST_TAG];
}
