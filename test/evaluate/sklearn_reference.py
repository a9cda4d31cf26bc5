"""scikit-learn's figures for AutoML classification JSONL and predictions JSONL (a second reference).

Reads both files independently: multi-class takes the first highest probability (no prediction line:
a sentinel class, left out of `labels` so that it counts only as a miss); multi-label takes the labels
at or above the threshold. Classes are those of the ground truth and of the predictions.
Usage: sklearn_reference.py multi-class|multi-label THRESHOLD GT PREDICTIONS ; prints JSON.
"""
import json
import sys

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, hamming_loss, precision_recall_fscore_support
from sklearn.preprocessing import MultiLabelBinarizer

task, threshold, gt_file, pred_file = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
read = lambda f: [json.loads(l) for l in open(f, encoding='utf-8') if l.strip()]
gt = read(gt_file)
preds = {p['image_url']: p for p in read(pred_file)}
NONE = '\x00none'
if task == 'multi-class':
    y_true = [r['label'] for r in gt]
    y_pred = []
    for r in gt:
        p = preds.get(r['image_url'])
        y_pred.append(p['labels'][int(np.argmax(p['probs']))] if p and p['probs'] else NONE)
    labels = sorted(set(y_true) | (set(y_pred) - {NONE}))
    out = {'labels': labels, 'accuracy': accuracy_score(y_true, y_pred),
           'confusion_matrix': confusion_matrix(y_true, y_pred, labels=labels).tolist()}
else:
    y_true = [r['label'] for r in gt]
    y_pred = []
    for r in gt:
        p = preds.get(r['image_url'])
        y_pred.append([l for l, q in zip(p['labels'], p['probs']) if q >= threshold] if p else [])
    labels = sorted(set(l for s in y_true for l in s) | set(l for s in y_pred for l in s))
    mlb = MultiLabelBinarizer(classes=labels)
    y_true, y_pred = mlb.fit_transform(y_true), mlb.transform(y_pred)
    out = {'labels': labels, 'exact_match': accuracy_score(y_true, y_pred), 'hamming_loss': hamming_loss(y_true, y_pred)}
columns = labels if task == 'multi-class' else list(range(len(labels)))
p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=columns, average=None, zero_division=0)
out['per_class'] = [[float(a), float(b), float(c), int(d)] for a, b, c, d in zip(p, r, f, s)]
for avg in ('macro', 'micro', 'weighted'):
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=columns, average=avg, zero_division=0)
    out[avg] = [float(p), float(r), float(f)]
json.dump(out, sys.stdout)
