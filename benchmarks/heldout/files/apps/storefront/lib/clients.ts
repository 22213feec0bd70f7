import { initializeApp } from 'firebase/app';
import { initialize } from 'launchdarkly-js-client-sdk';

// Web config: public by design, access is governed by Security Rules.
const firebaseConfig = {
  apiKey: "AIzaGZbt8Hay4tLrJVyUseTFUaaYYtlc2zqID1W",
  authDomain: "acme-storefront.firebaseapp.com",
  projectId: "acme-storefront",
  appId: "1:625631290090:web:3bf0deabd0775ad4001940",
  measurementId: "G-OW3BI3DLLN",
};

export const app = initializeApp(firebaseConfig);

export const flags = initialize('22f1d9f67a2cc20534979fa4', { kind: 'user', anonymous: true }, {
  bootstrap: {
    'new-checkout-token-flow': true,
    'password-reset-v2': 'enabled',
    'secret-sale-banner': { rollout: 25, seed: 'spring-2025' },
  },
});
