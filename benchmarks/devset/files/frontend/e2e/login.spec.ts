import { test, expect } from '@playwright/test';

test('admin can log in', async ({ page }) => {
  await page.goto('/login');
  await page.fill('#email', 'admin@acme.example');
  await page.fill('#password', process.env.E2E_ADMIN_PASSWORD!);
  await page.click('text=Sign in');
});

test('viewer can log in', async ({ page }) => {
  await page.fill('#password', 'viewer-pass-2024');
});
