import { startSimulatedMarketplace } from '../../../producers/sources/simulated/server.ts';
import { parseHermes } from '../../../producers/sources/hermes.ts';
const sim = await startSimulatedMarketplace({ port: 0, seed: 42, events: 20 });
let total = 0;
const t0 = Date.now();
for (const p of sim.productions()) {
  const r = await fetch(`${sim.url}/hermes/api/v1/listings?productionId=${p.productionId}`);
  const text = await r.text();
  const parsed = parseHermes(JSON.parse(text));
  const n = parsed.zones.reduce((a, z) => a + z.sections.reduce((b, s) => b + s.listings.length, 0), 0);
  total += n;
  console.log(p.productionId, text.length, n, parsed.zones.length);
}
console.log('total', total, Date.now() - t0, 'ms');
await sim.close();
