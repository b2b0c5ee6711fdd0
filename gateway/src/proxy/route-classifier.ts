// A segment kept verbatim in a template: a plain word, or an API version such as v1.
const WORD_SEGMENT = /^(?:[A-Za-z][A-Za-z_-]{0,31}|v\d{1,3})$/;

export interface RouteClassifierOptions {
  /** Path segments kept; deeper paths end in `/*`. @default 4 */
  depth?: number;
  /** Distinct templates ever produced; later new ones fold into `overflow`. @default 256 */
  maxTemplates?: number;
  /** @default '/api/*' */
  overflow?: string;
}

/**
 * Turns a proxied path into a bounded route template for metrics and logs: the first `depth`
 * segments, ids (anything but a plain word or a version) replaced by `:id`, deeper paths as `/*`,
 * and at most `maxTemplates` distinct templates. `/api/v1/resources/42/tags` → `/api/v1/resources/:id/*`.
 */
export class RouteClassifier {
  readonly #depth: number;
  readonly #maxTemplates: number;
  readonly #overflow: string;
  readonly #known = new Set<string>();

  constructor(options: RouteClassifierOptions = {}) {
    this.#depth = options.depth ?? 4;
    this.#maxTemplates = options.maxTemplates ?? 256;
    this.#overflow = options.overflow ?? '/api/*';
  }

  classify(path: string): string {
    let template = '';
    let start = 1;
    for (let n = 0; n < this.#depth; n++) {
      let end = path.indexOf('/', start);
      if (end === -1) end = path.length;
      const segment = path.slice(start, end);
      template += segment.length === 0 || WORD_SEGMENT.test(segment) ? `/${segment}` : '/:id';
      if (end === path.length) break;
      start = end + 1;
      if (n === this.#depth - 1) template += '/*';
    }
    if (this.#known.has(template)) return template;
    if (this.#known.size >= this.#maxTemplates) return this.#overflow;
    this.#known.add(template);
    return template;
  }
}
