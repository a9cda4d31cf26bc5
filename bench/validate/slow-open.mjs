// Preload that makes image storage slow, like a mounted blob container: every fs.open of an image
// answers after SLOW_OPEN_MS (default 10) ms, and synchronous opens of images fail (so header reads
// take the asynchronous path). Usage: node --import ./bench/validate/slow-open.mjs bin/automl-img.js validate ...
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const delay = Number(process.env.SLOW_OPEN_MS ?? 10);
const isImage = (path) => /\.(png|jpe?g|bmp|tiff?)$/i.test(String(path));
const openSync = fs.openSync;
fs.openSync = (path, ...rest) => {
  if (isImage(path)) throw Object.assign(new Error(`EAGAIN: simulated slow storage, open '${path}'`), { code: 'EAGAIN' });
  return openSync(path, ...rest);
};
const openCb = fs.open;
fs.open = (path, ...rest) => (isImage(path) ? void setTimeout(() => openCb(path, ...rest), delay) : openCb(path, ...rest));
syncBuiltinESMExports();
