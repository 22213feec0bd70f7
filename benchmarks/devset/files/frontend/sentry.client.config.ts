import * as Sentry from '@sentry/nextjs';

Sentry.init({
  dsn: 'https://c9ea637cb6bfcd4258d182e54cc62b3e@o717071.ingest.sentry.io/8109863',
  tracesSampleRate: 0.1,
});
