"""The reference for `evaluate`: pycocotools' COCOeval on AutoML JSONL ground truth and predictions.

An independent reading of the same files: image ids in ground-truth line order, categories sorted
by name, boxes in pixels (x = topX * width, w = bottomX * width - x; a polygon's box from its ring
extremes), GT `area` = w * h for boxes and the mask's pixels for polygons. Masks: each ring (of 3 or
more points) rasterised by pycocotools' frPyObjects, the rings of one object combined by exclusive-or
(numpy), encoded by pycocotools. Prints JSON: {"stats": [12], "per_class": {label: [12]}}.

Usage: coco_reference.py eval bbox|segm BASE_URL PREDICTIONS GT... ; coco_reference.py rle < {h,w,rings} lines
Run with PYTHONPATH=<pycocotools build>/PythonAPI.
"""
import contextlib
import io
import json
import sys

import numpy as np

np.float = float  # cocoeval.py at commit 8c9bcc3 still says np.float
from pycocotools import mask as maskUtils  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402


def xor_rle(rings, h, w):
    m = np.zeros((h, w), dtype=np.uint8)
    for ring in rings:
        if len(ring) < 6:
            continue
        r = maskUtils.frPyObjects([list(map(float, ring))], h, w)[0]
        m ^= maskUtils.decode(r)
    return maskUtils.encode(np.asfortranarray(m))


def read_lines(path):
    with open(path, encoding='utf-8-sig') as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def strip(url, base):
    return url[len(base):] if base and url.startswith(base) else url


def summarize(E, k=None):
    p = E.params
    prec = E.eval['precision']
    rec = E.eval['recall']
    if k is not None:
        prec = prec[:, :, k:k + 1]
        rec = rec[:, k:k + 1]

    def one(ap, iouThr=None, a=0, m=2):
        s = prec if ap else rec
        if iouThr is not None:
            s = s[np.where(iouThr == p.iouThrs)[0]]
        s = s[:, :, :, a, m] if ap else s[:, :, a, m]
        return -1.0 if len(s[s > -1]) == 0 else float(np.mean(s[s > -1]))

    return [one(1), one(1, .5), one(1, .75), one(1, a=1), one(1, a=2), one(1, a=3),
            one(0, m=0), one(0, m=1), one(0), one(0, a=1), one(0, a=2), one(0, a=3)]


def build(iou_type, base, pred_file, gt_files):
    images, gts, urls = [], [], {}
    labels = set()
    for f in gt_files:
        for rec in read_lines(f):
            url = strip(rec['image_url'], base)
            d = rec.get('image_details') or {}
            W, H = d.get('width', 1), d.get('height', 1)
            img_id = len(images) + 1
            images.append({'id': img_id, 'width': W, 'height': H})
            urls[url] = (img_id, W, H)
            for o in rec['label']:
                labels.add(o['label'])
                gts.append((img_id, W, H, o))
    preds = []
    for rec in read_lines(pred_file):
        url = strip(rec['image_url'], base)
        if url not in urls:
            continue
        img_id, W, H = urls[url]
        for b in rec['boxes']:
            labels.add(b['label'])
            preds.append((img_id, W, H, b))
    names = sorted(labels)
    cat = {n: i + 1 for i, n in enumerate(names)}
    anns = []
    for img_id, W, H, o in gts:
        ann = {'id': len(anns) + 1, 'image_id': img_id, 'category_id': cat[o['label']], 'iscrowd': int(o.get('isCrowd', 0))}
        if 'polygon' in o:
            xs = [v for r in o['polygon'] for v in r[0::2]]
            ys = [v for r in o['polygon'] for v in r[1::2]]
            x, y = min(xs) * W, min(ys) * H
            ann['bbox'] = [x, y, max(xs) * W - x, max(ys) * H - y]
        else:
            x, y = o['topX'] * W, o['topY'] * H
            ann['bbox'] = [x, y, o['bottomX'] * W - x, o['bottomY'] * H - y]
        if iou_type == 'segm':
            rle = xor_rle([[v * (W if i % 2 == 0 else H) for i, v in enumerate(r)] for r in o['polygon']], H, W)
            ann['segmentation'] = rle
            ann['area'] = float(maskUtils.area(rle))
        else:
            ann['area'] = ann['bbox'][2] * ann['bbox'][3]
        anns.append(ann)
    dataset = {'images': images, 'categories': [{'id': cat[n], 'name': n} for n in names], 'annotations': anns}
    res = []
    for img_id, W, H, b in preds:
        r = {'image_id': img_id, 'category_id': cat[b['label']], 'score': b['score']}
        if iou_type == 'segm':
            rings = [[v * (W if i % 2 == 0 else H) for i, v in enumerate(ring)] for ring in (b.get('polygon') or [])]
            r['segmentation'] = xor_rle(rings, H, W)
        else:
            bb = b['box']
            x, y = bb['topX'] * W, bb['topY'] * H
            r['bbox'] = [x, y, bb['bottomX'] * W - x, bb['bottomY'] * H - y]
        res.append(r)
    return dataset, res, names


def export(iou_type, pred_file, gt_file, gt_out, res_out):
    """Writes the COCO-format files of the same data (for the benchmark): RLE counts as text."""
    dataset, res, _ = build(iou_type, '', pred_file, [gt_file])
    for a in dataset['annotations'] + res:
        if isinstance(a.get('segmentation'), dict):
            a['segmentation'] = {'size': a['segmentation']['size'], 'counts': a['segmentation']['counts'].decode('ascii')}
    with open(gt_out, 'w') as f:
        json.dump(dataset, f)
    with open(res_out, 'w') as f:
        json.dump(res, f)


def evaluate(iou_type, base, pred_file, gt_files):
    dataset, res, names = build(iou_type, base, pred_file, gt_files)
    images = dataset['images']
    gt = COCO()
    gt.dataset = dataset
    with contextlib.redirect_stdout(io.StringIO()):
        gt.createIndex()
    with contextlib.redirect_stdout(io.StringIO()):
        if res:
            dt = gt.loadRes(res)
        else:
            dt = COCO()
            dt.dataset = {'images': images, 'categories': gt.dataset['categories'], 'annotations': []}
            dt.createIndex()
        E = COCOeval(gt, dt, iou_type)
        E.evaluate()
        E.accumulate()
        E.summarize()
    out = {'stats': [float(v) for v in E.stats], 'per_class': {n: summarize(E, k) for k, n in enumerate(names)}}
    json.dump(out, sys.stdout)


def rle_mode():
    for line in sys.stdin:
        if not line.strip():
            continue
        q = json.loads(line)
        rle = xor_rle(q['rings'], q['h'], q['w'])
        m = maskUtils.decode(rle)
        flat = m.flatten(order='F').astype(np.int8)
        cuts = np.flatnonzero(np.diff(flat)) + 1
        counts = np.diff(np.concatenate(([0], cuts, [flat.size]))).tolist()
        if flat.size and flat[0] == 1:
            counts = [0] + counts
        print(json.dumps({'counts': counts, 'area': int(maskUtils.area(rle))}))


if __name__ == '__main__':
    if sys.argv[1] == 'rle':
        rle_mode()
    else:
        evaluate(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
