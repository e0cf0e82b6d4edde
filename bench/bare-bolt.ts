/** A bare Bolt app (the bench's baseline target) in a process of its own; prints its events URL. */
import { startBaseline } from './targets.js';

// Only slackApiUrl is read; an ack-only app makes no Web API calls.
const target = await startBaseline({
  emulatorUrl: '',
  slackApiUrl: 'http://127.0.0.1:9/api/',
  responseUrl: '',
  appId: '',
  appSecret: '',
  permanentCode: '',
  serviceId: '',
});
process.stdout.write(`${target.url}\n`);
process.on('SIGTERM', () => {
  target.stop().then(() => process.exit(0));
});
