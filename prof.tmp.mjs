const { convert } = await import(process.argv[2]);
for (let i = 0; i < 8; i++) await convert('csv', 'bench/data/classify/fridge/csv/labels.csv', { out: '/tmp/csv-prof-out', force: true, imageDetails: false });
