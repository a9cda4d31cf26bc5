// Preloaded into the real bin by e2e tests (`node --import ./test/helpers/fault.mjs bin/automl-img.js ...`)
// to make a run stop in the middle deterministically. AUTOML_IMG_TEST_FAULT chooses:
//   hang-images: opening an image (.png .jpg .jpeg .bmp .tif .tiff; fs.promises.open/readFile, fs.open; fs.openSync fails) never completes (the run waits forever, its temp files on disk)
//   crash:       the first readdir throws a TypeError (an unknown error, as a bug would)
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const fault = process.env.AUTOML_IMG_TEST_FAULT;
if (fault === 'hang-images') {
  const isImage = (path) => /\.(png|jpe?g|bmp|tiff?)$/i.test(String(path));
  const hang = () => setInterval(() => undefined, 1000); // keep the process alive while "reading"
  const open = fs.promises.open;
  fs.promises.open = (path, ...rest) => (isImage(path) ? new Promise(hang) : open(path, ...rest));
  const readFile = fs.promises.readFile;
  fs.promises.readFile = (path, ...rest) => (isImage(path) ? new Promise(hang) : readFile(path, ...rest));
  // Synchronous header reads (src/images.ts HeaderReader) fall back to the promise API when an
  // open fails, so failing openSync sends every image read into the hanging path above.
  const openSync = fs.openSync;
  fs.openSync = (path, ...rest) => {
    if (isImage(path)) throw Object.assign(new Error(`EAGAIN: simulated slow storage, open '${path}'`), { code: 'EAGAIN' });
    return openSync(path, ...rest);
  };
  const openCb = fs.open;
  fs.open = (path, ...rest) => (isImage(path) ? void hang() : openCb(path, ...rest));
} else if (fault === 'crash') {
  fs.promises.readdir = async () => {
    throw new TypeError('simulated bug in a converter');
  };
}
syncBuiltinESMExports();
