/**
 * `automl-img export coco <file.jsonl...> -o coco.json`: flags to options, the library's
 * `exportCoco` (src/export/coco.ts), and what it wrote.
 *
 * @example
 *   automl-img export coco out/train_annotations.jsonl out/validation_annotations.jsonl -o coco.json
 *   → wrote coco.json: 6 images, 12 annotations (1 as RLE), 4 categories (3 KB)
 */
import type { Command } from 'commander';
import type { ExportCocoSummary } from '../export/index.js';
import { EXPORT_COCO_OPTIONS } from '../export/options.js';
import type { CommandEnv } from './env.js';
import { commanderOption, valuesOf } from './options.js';

interface ExportFlags {
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The summary line of a run. */
export function describeExport(s: ExportCocoSummary): string {
  const rle = s.rleAnnotations ? ` (${s.rleAnnotations} as RLE)` : '';
  const kb = s.bytes < 1024 ? `${s.bytes} B` : `${Math.round(s.bytes / 1024)} KB`;
  return `wrote ${s.out}: ${plural(s.images, 'image')}, ${plural(s.annotations, 'annotation')}${rle}, ${plural(s.categories, 'category').replace('categorys', 'categories')} (${kb})`;
}

/** Adds `export coco <file.jsonl...>` to the program. */
export function registerExportCommand(program: Command, env: CommandEnv): void {
  const { io, setExitCode, signal } = env;
  const exportCmd = program.command('export').description("write AutoML JSONL in another tool's format (coco)");
  const cmd = exportCmd
    .command('coco')
    .description('AutoML JSONL (detection or segmentation) → one COCO instances JSON')
    .argument('<file.jsonl...>', 'AutoML JSONL files, e.g. train_annotations.jsonl validation_annotations.jsonl');
  for (const spec of Object.values(EXPORT_COCO_OPTIONS)) cmd.addOption(commanderOption(spec));
  cmd
    .option('--json', 'print the summary as one JSON object on stdout')
    .option('-q, --quiet', 'no summary line')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      '\nCategories get ids from 1 in sorted order of their names; images and annotations from 1 in line order.\n' +
        'Objects whose rings overlap (holes) are written as COCO RLE; other polygons as polygons.\n' +
        'Examples:\n' +
        '  $ automl-img export coco out/train_annotations.jsonl out/validation_annotations.jsonl -o coco.json\n' +
        '  $ automl-img export coco all.jsonl --images-root data/ --base-url azureml://datastores/ws/paths/fridge/ -o coco.json\n',
    )
    .action(async (files: string[], flags: ExportFlags & Record<string, unknown>) => {
      const color = env.colorFor(flags);
      const { exportCoco } = await import('../export/index.js');
      const summary = await exportCoco(files, { ...valuesOf(EXPORT_COCO_OPTIONS, flags), signal });
      if (flags.json) io.stdout.write(JSON.stringify(summary) + '\n');
      else if (!flags.quiet) io.stderr.write(color.green(describeExport(summary)) + '\n');
      setExitCode(0);
    });
}
