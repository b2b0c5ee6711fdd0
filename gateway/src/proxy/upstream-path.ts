// A `..` segment, literal or percent-encoded, delimited by slashes, backslashes or the ends.
const DOT_DOT_SEGMENT = /(?:^|[/\\])(?:\.|%2e){2}(?:[/\\]|$)/i;

/**
 * True when a request path may be forwarded as-is: it starts with a single '/', has no backslash,
 * no NUL and no `..` segment, literally or once decoded. The upstream path is always the client's
 * path, so anything the balancer or a backend might normalise into another route is refused.
 */
export function isSafeUpstreamPath(path: string): boolean {
  if (path.charCodeAt(0) !== 47 /* / */ || path.charCodeAt(1) === 47) return false;
  if (path.includes('\\') || DOT_DOT_SEGMENT.test(path)) return false;
  if (!path.includes('%')) return true;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return false;
  }
  return (
    decoded.charCodeAt(1) !== 47 &&
    !decoded.includes('\\') &&
    !decoded.includes('\0') &&
    !DOT_DOT_SEGMENT.test(decoded)
  );
}
