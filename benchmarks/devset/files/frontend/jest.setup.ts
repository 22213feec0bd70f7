process.env.STRIPE_SECRET_KEY = 'sk_test_mock';
process.env.JWT_SECRET = 'jest-jwt-secret';
process.env.API_TOKEN = process.env.CI_API_TOKEN ?? '';
