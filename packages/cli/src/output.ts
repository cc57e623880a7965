import Table from 'cli-table3';
import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;

/**
 * Colours only for a terminal. picocolors alone would also colour whenever `CI` is set, and CI
 * logs and pipes are exactly where escape codes get in the way; NO_COLOR and FORCE_COLOR still win.
 */
export function colorsFor(stream: NodeJS.WriteStream): Colors {
  const env = process.env;
  const enabled = env.NO_COLOR
    ? false
    : env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== ''
      ? env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false'
      : stream.isTTY === true && env.TERM !== 'dumb';
  return pc.createColors(enabled);
}

const BORDER_CHARS = [
  'top',
  'top-mid',
  'top-left',
  'top-right',
  'bottom',
  'bottom-mid',
  'bottom-left',
  'bottom-right',
  'left',
  'left-mid',
  'mid',
  'mid-mid',
  'right',
  'right-mid',
  'middle',
] as const;

/**
 * Where a command's result goes. With `--json` stdout holds exactly one JSON document and nothing
 * else, so human-readable lines are dropped rather than interleaved.
 */
export class Output {
  readonly json: boolean;
  readonly color: Colors;

  constructor(json: boolean) {
    this.json = json;
    this.color = colorsFor(process.stdout);
  }

  /** A line of the human-readable report (nothing in JSON mode). */
  line(text = ''): void {
    if (!this.json) process.stdout.write(`${text}\n`);
  }

  /** The JSON document of the command (JSON mode only). */
  document(value: unknown): void {
    if (this.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Aligned columns without borders, as `ps` or `kubectl get` print them: easy to read and to grep. */
  table(head: readonly string[], rows: readonly (readonly string[])[]): void {
    const table = new Table({
      head: head.map((h) => this.color.bold(h)),
      chars: Object.fromEntries(BORDER_CHARS.map((name) => [name, ''])),
      // cli-table3 colours on its own unless told not to; the choice is made once, above.
      style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2 },
    });
    for (const row of rows) table.push([...row]);
    this.line(table.toString().replace(/ +$/gm, ''));
  }
}

/** `1 step`, `2 steps`. */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
