/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  env: {
    CMS_PREVIEW_TOKEN: process.env.CMS_PREVIEW_TOKEN,
  },
  serverRuntimeConfig: {
    contentfulSpace: 'q8w3rt7y2u1i',
    contentfulToken: 'Rp8eUGidVQ3Dtl6_CVnsG5xlk2oZxPT4ipTgdOE1iB_',
  },
  async headers() {
    return [{
      source: '/(.*)',
      headers: [{
        key: 'Content-Security-Policy',
        value: "script-src 'self' 'sha256-saN8CaH5EXk990yeWypfpNkP94aOBpq5JuvFKDIMMu8='",
      }],
    }];
  },
};

module.exports = nextConfig;
