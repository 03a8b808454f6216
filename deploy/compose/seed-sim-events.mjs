// One-shot for docker-compose.yml: registers every production of the simulated marketplace as a
// tracked event through the public API (POST /v1/events), so the scheduler has something to scrape.
// Idempotent: an event that already exists (409) is left as it is. Retries while the API answers 503
// (Kafka topics or ClickHouse not ready yet).
//   node seed-sim-events.mjs [apiUrl] [simUrl]      with TWS_API_KEYS set (the first key is used)
const [apiUrl = 'http://127.0.0.1:8080', simUrl = 'http://127.0.0.1:8090'] = process.argv.slice(2);
const key = (process.env.TWS_API_KEYS ?? '')
  .split(',')
  .map((k) => k.trim())
  .find(Boolean);
if (!key) {
  console.error('seed-events: TWS_API_KEYS is empty; POST /v1/events needs an API key');
  process.exit(1);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function fetchRetrying(url, init, attempts = 30) {
  for (let i = 1; ; i++) {
    try {
      const res = await fetch(url, init);
      if (res.status !== 503 || i >= attempts) return res;
    } catch (err) {
      if (i >= attempts) throw err;
    }
    await sleep(2000);
  }
}

const productionsRes = await fetchRetrying(`${simUrl}/__sim/productions`);
if (!productionsRes.ok) {
  console.error(`seed-events: ${simUrl}/__sim/productions answered ${productionsRes.status}`);
  process.exit(1);
}
const productions = await productionsRes.json();
let created = 0;
let existing = 0;
for (const p of productions) {
  const res = await fetchRetrying(`${apiUrl}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      source: 'simulated',
      source_event_id: p.productionId,
      name: p.name,
      venue: p.venue,
      timezone: p.timezone,
      starts_at: new Date(p.startsAt).toISOString(),
      capacity: p.capacity,
    }),
  });
  if (res.status === 201) created++;
  else if (res.status === 409) existing++;
  else {
    console.error(`seed-events: POST /v1/events for production ${p.productionId}: ${res.status} ${await res.text()}`);
    process.exit(1);
  }
}
console.log(`seed-events: ${created} event(s) added, ${existing} already tracked`);
