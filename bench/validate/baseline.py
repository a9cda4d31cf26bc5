# The hand-written check a user would run today: json.loads each line, count boxes outside [0, 1]
# or without area. Usage: python3 bench/validate/baseline.py <file.jsonl>
import json, sys
bad = 0
lines = 0
for line in open(sys.argv[1], encoding='utf-8'):
    lines += 1
    rec = json.loads(line)
    for o in rec['label']:
        if not all(0 <= o[k] <= 1 for k in ('topX', 'topY', 'bottomX', 'bottomY')) or o['topX'] >= o['bottomX'] or o['topY'] >= o['bottomY']:
            bad += 1
print(lines, bad)
