// Keeps N unsigned 4 MB `[[[[…]]]]` JSON bodies in flight against a URL until stdin closes, then
// prints one JSON line: the statuses it got and how long each answer took (ms). Plain JavaScript
// in a process of its own, so the flood's client work is not billed to the measuring process.
//   node bench/flood-child.mjs <url> <in-flight>
const [url, inFlightArg] = process.argv.slice(2);
const inFlight = Number(inFlightArg ?? '8');
const body = Buffer.from(`${'['.repeat(2 * 1024 * 1024 - 16)}${']'.repeat(2 * 1024 * 1024 - 16)}`);
const statuses = {};
const answers = [];
let running = true;

async function loop() {
  while (running) {
    const started = performance.now();
    const status = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      .then(async (response) => {
        await response.arrayBuffer();
        return String(response.status);
      })
      .catch(() => 'error');
    answers.push(performance.now() - started);
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
}

const loops = Array.from({ length: inFlight }, loop);
process.stdout.write('started\n');
process.stdin.resume();
process.stdin.on('end', async () => {
  running = false;
  await Promise.all(loops);
  process.stdout.write(`${JSON.stringify({ statuses, answers })}\n`);
  process.exit(0);
});
