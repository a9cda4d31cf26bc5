/**
 * `automl-img stats <file.jsonl...>`: the library's `jsonlStats` printed as tables, or as JSON.
 *
 * @example
 *   automl-img stats out/train_annotations.jsonl out/validation_annotations.jsonl
 */
import type { Command } from 'commander';
import type { StatsCounts, StatsReport } from '../jsonl/stats.js';
import type { CommandEnv } from './env.js';
import { ConversionError } from '../errors.js';

/** Right-aligns every column but the first. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const percent = (v: number) => `${(v * 100).toFixed(2)}%`;

/** The plain text of one file's (or all files') counts. */
function describeCounts(title: string, c: StatsCounts, task: string | null, extra = ''): string {
  const counts = [plural(c.lines, 'line'), plural(c.images, 'image'), `${c.background} background`, plural(c.objects, 'object'), plural(c.duplicates, 'duplicate image_url')];
  if (c.unreadable) counts.push(`${plural(c.unreadable, 'unreadable line')} (run validate)`);
  const head = `${title}${task ? `  (${task})` : ''}\n  ${counts.join(', ')}${extra}`;
  const names = Object.keys(c.labels);
  if (names.length === 0) return head;
  const withObjects = c.objects > 0;
  const rows = [withObjects ? ['label', 'images', 'objects', 'area min', 'median', 'max', 'small', 'medium', 'large'] : ['label', 'images']];
  for (const name of names) {
    const s = c.labels[name]!;
    if (!withObjects) rows.push([name, String(s.images)]);
    else {
      const a = s.area;
      const z = s.sizes;
      rows.push([
        name,
        String(s.images),
        String(s.objects),
        a ? percent(a.min) : '-',
        a ? percent(a.median) : '-',
        a ? percent(a.max) : '-',
        String(z?.small ?? 0),
        String(z?.medium ?? 0),
        String(z?.large ?? 0),
      ]);
    }
  }
  return `${head}\n${table(rows)
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}`;
}

/** The plain-text report: a section per file, and one for all files when there are several. */
export function describeStats(r: StatsReport): string {
  const parts = r.files.map((f) => describeCounts(f.file, f, f.task));
  if (r.files.length > 1) {
    const tasks = [...new Set(r.files.map((f) => f.task).filter((t) => t !== null))];
    parts.push(describeCounts(`all ${r.total.files} files`, r.total, tasks.join(', ') || null, `, ${plural(r.total.sharedBetweenFiles, 'image_url')} in more than one file`));
  }
  return parts.join('\n\n') + '\n';
}

/** Adds `stats <file.jsonl...>` to the program. */
export function registerStatsCommand(program: Command, env: CommandEnv): void {
  const { io, setExitCode, signal } = env;
  program
    .command('stats')
    .description('what is in JSONL files: images and objects per file and label, background images, object sizes, duplicate image_urls')
    .argument('<file.jsonl...>', 'the JSONL files to count ("-" reads standard input)')
    .option('--json', 'print {files: [...], total} on stdout instead of tables')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      "\nObject sizes are shares of the image area covered by the object's box (a polygon's bounding box):\n" +
        'small < 1%, medium 1% to 10%, large >= 10%.\n\nExample:\n  $ automl-img stats out/train_annotations.jsonl out/validation_annotations.jsonl\n',
    )
    .action(async (files: string[], flags: { json?: boolean; color?: boolean }) => {
      let report;
      try {
        const { jsonlStats } = await import('../jsonl/stats.js');
        report = await jsonlStats(files, { signal });
      } catch (e) {
        // As convert and validate do: the JSON object still comes out, with the error in it.
        if (flags.json && e instanceof ConversionError) io.stdout.write(JSON.stringify({ ok: false, error: e.toDiagnostic('error') }) + '\n');
        throw e;
      }
      io.stdout.write(flags.json ? JSON.stringify(report) + '\n' : describeStats(report));
      setExitCode(0);
    });
}
