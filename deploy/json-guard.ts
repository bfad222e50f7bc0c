/**
 * A streaming look at a JSON body before `JSON.parse` sees it: how deep arrays and objects
 * nest, and how many items any one array holds. Fed piece by piece while the body is read,
 * it refuses a body as soon as it nests deeper than a request ever needs (422: deep nesting
 * made later recursive steps, such as flattening a v2 tensor, overflow the stack: a 500) or
 * has an array longer than the row cap (413), without reading the rest.
 *
 * It only tracks strings (so brackets inside them do not count), brackets and commas; whether
 * the text is valid JSON is still JSON.parse's call.
 */
import { ServeError } from './errors.ts';

/**
 * The deepest a request body needs is 5 (`{"inputs": [{"data": [[v]]}]}`, a v2 tensor of
 * shape [n, 1]); 32 leaves room for clients that wrap requests, and stays far from any stack.
 */
export const MAX_JSON_DEPTH = 32;

export class JsonShapeGuard {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Per open container: -1 for an object, else the array's items so far (0 until a value starts). */
  private readonly items: number[] = [];
  /** Whether the innermost open array has seen a value since its last `[` or `,`. */
  private sawValue = false;

  /** `maxItems`: the row cap (an array of more is refused); `maxDepth`: the nesting cap. */
  constructor(
    private readonly maxItems: number,
    private readonly maxDepth: number = MAX_JSON_DEPTH,
  ) {}

  push(text: string): void {
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 92 /* \ */) this.escaped = true;
        else if (c === 34 /* " */) this.inString = false;
        continue;
      }
      if (c === 32 || c === 10 || c === 13 || c === 9) continue;
      if (c === 91 /* [ */ || c === 123 /* { */) {
        this.valueStarts();
        if (++this.depth > this.maxDepth) {
          throw new ServeError(
            422,
            'nesting_too_deep',
            `The JSON body nests arrays or objects more than ${this.maxDepth} levels deep; a request needs at most 5 (records, or v2 tensors of shape [rows] or [rows, 1]).`,
          );
        }
        this.items.push(c === 91 ? 0 : -1);
        this.sawValue = false;
      } else if (c === 93 /* ] */ || c === 125 /* } */) {
        this.items.pop();
        this.depth = Math.max(0, this.depth - 1);
        this.sawValue = true;
      } else if (c === 44 /* , */) {
        this.sawValue = false;
      } else {
        if (c === 34) this.inString = true;
        this.valueStarts();
      }
    }
  }

  /** A value (scalar, string, array or object) begins: count it as an item of the enclosing array. */
  private valueStarts(): void {
    if (this.sawValue) return;
    this.sawValue = true;
    const top = this.items.length - 1;
    if (top < 0 || this.items[top]! < 0) return;
    const count = ++this.items[top]!;
    if (count > this.maxItems) {
      throw new ServeError(
        413,
        'too_many_rows',
        `The request has more than ${this.maxItems} rows (a JSON array with more items); at most ${this.maxItems} are allowed per request (OURO_SERVE_MAX_ROWS). Send them in batches.`,
      );
    }
  }
}
