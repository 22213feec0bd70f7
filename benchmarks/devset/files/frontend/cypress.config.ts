import { defineConfig } from 'cypress';

export default defineConfig({
  env: {
    adminPassword: 'Cedar!Heron!63',
    apiToken: '<set in cypress.env.json>',
  },
});
