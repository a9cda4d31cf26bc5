/**
 * `automl-img preview <file.jsonl...>`: one self-contained HTML page drawing the annotations (and
 * predictions) over the images (SPEC §8). The work is the library's (`../preview/index.ts`).
 *
 * @example
 *   automl-img preview out/train_annotations.jsonl out/validation_annotations.jsonl --images-root data/ -o preview.html
 *   → wrote preview.html: 6 images, 12 objects, 4 labels (41 KB)
 */
import type { Command } from 'commander';
import type { PreviewSummary } from '../preview/index.js';
import type { CommandEnv } from './env.js';

interface PreviewFlags {
  out?: string;
  imagesRoot?: string;
  baseUrl?: string;
  predictions?: string;
  embed?: boolean;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The summary line of a run. */
export function describePreview(s: PreviewSummary): string {
  const parts = [plural(s.images, 'image')];
  if (s.objects) parts.push(plural(s.objects, 'object'));
  parts.push(plural(s.labels, 'label'));
  if (s.predictions) parts.push(`${plural(s.predictions, 'prediction line')}${s.unmatchedPredictions ? ` (${s.unmatchedPredictions} for images in no file)` : ''}`);
  if (s.missingImages) parts.push(`${s.missingImages} image${s.missingImages === 1 ? '' : 's'} not found (shown as placeholders)`);
  return `wrote ${s.out}: ${parts.join(', ')} (${sizeText(s.bytes)})`;
}

/** Adds `preview <file.jsonl...>` to the program. */
export function registerPreviewCommand(program: Command, env: CommandEnv): void {
  const { io, setExitCode, signal } = env;
  program
    .command('preview')
    .description('write one self-contained HTML page that draws the annotations (and predictions) over the images')
    .argument('<file.jsonl...>', 'AutoML JSONL files (any task), e.g. train_annotations.jsonl validation_annotations.jsonl')
    .option('-o, --out <file>', 'the page to write', 'preview.html')
    .option('--images-root <dir>', "the folder image_url paths are relative to (default: the first JSONL file's folder)")
    .option('--base-url <prefix>', 'a prefix to remove from image_url before the image is looked up (as convert --base-url added it)')
    .option('--predictions <file>', 'a predictions JSONL file (what score writes) to draw with the ground truth')
    .option('--embed', 'embed the images in the page as data URLs (a page you can send; as large as the images)')
    .option('--force', 'replace the output even when it is not an earlier preview page')
    .option('--json', 'print the summary as one JSON object on stdout')
    .option('-q, --quiet', 'no summary line')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      '\nImages are referenced by their path relative to the page (move them together), or embedded with --embed.\n' +
        'Examples:\n' +
        '  $ automl-img preview out/train_annotations.jsonl out/validation_annotations.jsonl --images-root data/\n' +
        '  $ automl-img preview out/validation_annotations.jsonl --images-root data/ --predictions preds.jsonl -o mistakes.html\n',
    )
    .action(async (files: string[], flags: PreviewFlags) => {
      const color = env.colorFor(flags);
      const { preview } = await import('../preview/index.js');
      const summary = await preview(files, {
        out: flags.out,
        imagesRoot: flags.imagesRoot,
        baseUrl: flags.baseUrl,
        predictions: flags.predictions,
        embed: flags.embed === true,
        force: flags.force === true,
        signal,
      });
      if (flags.json) io.stdout.write(JSON.stringify({ ok: true, ...summary }) + '\n');
      else if (!flags.quiet) io.stderr.write(color.green(describePreview(summary)) + '\n');
      setExitCode(0);
    });
}
