/**
 * The presenter of a worker process (RELAY_WORKERS, src/worker.ts): the same RelayJobs the Bolt app
 * uses, over a Web API client of its own and without listeners, since a worker takes no request
 * from Slack. It answers, posts receipts and refreshes Homes exactly as the receiver would.
 */
import type { Config } from '../config.js';
import type { RelayWorkQueue } from '../relay/work-queue.js';
import { slackWebClient } from './api/web-client.js';
import type { ListenerContext } from './context.js';
import { HomeViewers } from './home/viewers.js';
import { RelayJobs, type TakeoverObserver } from './jobs/relay-jobs.js';

export function createWorkerJobs(
  slack: Config['slack'],
  context: Omit<ListenerContext, 'jobs'> & { queue: RelayWorkQueue; takeovers?: TakeoverObserver },
): RelayJobs {
  const client = slackWebClient(slack.botToken, slack.apiUrl, { logger: context.logger });
  // Who looks at their App Home is known to the receiver (app_home_opened), not here: a worker
  // refreshes no Home after a send, and the next open of the tab shows it fresh.
  const full: ListenerContext = {
    ...context,
    homeViewers: context.homeViewers ?? new HomeViewers(),
    get jobs() {
      return jobs;
    },
  };
  const jobs = new RelayJobs(full, client, context.queue, context.takeovers);
  return jobs;
}
