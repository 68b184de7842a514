import { figures, pinGenerator, requestsFor, startBare, stop } from './ingest-rig.js';
import { openLoop } from './load.js';
pinGenerator();
const b = await startBare();
for (let i = 0; i < 3; i++) console.log('bare paced', figures(await openLoop(b.port, 200, 5, requestsFor(b, 50))));
await stop(b);
