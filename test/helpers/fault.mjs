// Preloaded into the real bin by e2e tests (`node --import ./test/helpers/fault.mjs bin/automl-img.js ...`)
// to make a run stop in the middle deterministically. AUTOML_IMG_TEST_FAULT chooses:
//   hang-images: opening any .png/.jpg never completes (the run waits forever, its temp files on disk)
//   crash:       the first readdir throws a TypeError (an unknown error, as a bug would)
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const fault = process.env.AUTOML_IMG_TEST_FAULT;
if (fault === 'hang-images') {
  const open = fs.promises.open;
  fs.promises.open = (path, ...rest) =>
    /\.(png|jpe?g)$/i.test(String(path))
      ? new Promise(() => {
          setInterval(() => undefined, 1000); // keep the process alive while "reading"
        })
      : open(path, ...rest);
} else if (fault === 'crash') {
  fs.promises.readdir = async () => {
    throw new TypeError('simulated bug in a converter');
  };
}
syncBuiltinESMExports();
